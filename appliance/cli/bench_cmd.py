"""`appliance bench`: benchmarks that print a table and one JSON line."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from appliance.bench import engines
from appliance.config import load_config
from appliance.config.telephony import MAX_SIP_CALLS
from appliance.models.engines import model_store
from appliance.models.manifest import Role


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `bench` subcommands."""
    parser = sub.add_parser("bench", help="measure speed")
    cmds = parser.add_subparsers(dest="action", required=True)
    eng = cmds.add_parser("engines", help="load time and speed of each engine")
    eng.add_argument("--role", action="append", choices=[r.value for r in Role],
                     help="only these roles (repeatable; default: all)")
    eng.add_argument("--all-models", action="store_true",
                     help="every installed English model, not only those in use")
    eng.set_defaults(run=run_engines)
    lat = cmds.add_parser("latency", help="voice-to-voice latency of the conversation benchmark's calls over SIP "
                                          "on loopback, at several calls at once")
    lat.add_argument("--calls", type=int, default=8, help="conversations per concurrency level (default 8)")
    lat.add_argument("--concurrency", default="1,2,4", help="calls at once, comma separated (default 1,2,4)")
    lat.add_argument("--voice", default="festival-hts", help="the callers' voice (default festival-hts)")
    lat.add_argument("--workdir", type=Path, default=None,
                     help="where the caller's lines and the demo store go (default: a new temporary folder)")
    lat.set_defaults(run=run_latency)
    load = cmds.add_parser("load", help="calls at once that stay under a voice-to-voice latency target")
    load.add_argument("--max", type=int, default=MAX_SIP_CALLS,
                      help=f"highest number of calls at once to try (default and most: {MAX_SIP_CALLS}, "
                           "the SIP stack's limit)")
    load.add_argument("--calls", type=int, default=4,
                      help="calls per level, rounded up to whole batches (default 4)")
    load.add_argument("--target-ms", type=float, default=1500.0,
                      help="caller-side p95 voice-to-voice target (default 1500)")
    load.set_defaults(run=run_load)
    soak = cmds.add_parser("soak", help="sequential calls on one service: memory, threads, file descriptors")
    soak.add_argument("--calls", type=int, default=200, help="measured calls (default 200)")
    soak.add_argument("--warmup", type=int, default=5, help="calls before the baseline (default 5)")
    soak.add_argument("--every", type=int, default=20, help="sample every N calls (default 20)")
    soak.add_argument("--rss-limit-mb", type=float, default=30.0,
                      help="memory growth still ok (default 30)")
    soak.set_defaults(run=run_soak)
    stt = cmds.add_parser("stt", help="word error rate and speed of each STT model on phone-line callers")
    stt.add_argument("--models", help="comma-separated model names (default: the installed candidates)")
    stt.add_argument("--voices", help="comma-separated caller voices (default: all)")
    stt.add_argument("--noise", default="clean,20,10",
                     help="comma-separated: clean and/or SNR in dB (default clean,20,10)")
    stt.add_argument("--fallback", default="moonshine-base-en,whisper-base+hint",
                     help="PRIMARY,BACKUP labels to replay as a fallback pair (default %(default)s)")
    stt.set_defaults(run=run_stt)
    turns = cmds.add_parser("turns", help="turns cut off in the middle (numbers, dates, spellings) and the wait "
                                          "after a turn's end, per way of ending turns")
    turns.add_argument("--voices", help="comma-separated caller voices (default: all)")
    turns.add_argument("--noise", default="clean,20", help="comma-separated: clean and/or SNR in dB (default clean,20)")
    turns.set_defaults(run=run_turns)
    vad = cmds.add_parser("vad", help="which voice activity model hears phone-line callers: speech heard, turns "
                                      "missed or started late, starts on line noise")
    vad.add_argument("--models", help="comma-separated model names (default: the installed candidates)")
    vad.add_argument("--voices", help="comma-separated caller voices (default: all)")
    vad.add_argument("--noise", default="clean,20", help="comma-separated: clean and/or SNR in dB (default clean,20)")
    vad.set_defaults(run=run_vad)
    names = cmds.add_parser("names", help="names said, then spelled, over a phone line: read right by the heard "
                                          "word alone, by the spelling replacing it, and by both weighed together")
    names.add_argument("--voices", help="comma-separated caller voices (default: all)")
    names.add_argument("--noise", default="clean,20", help="comma-separated: clean and/or SNR in dB (default clean,20)")
    names.set_defaults(run=run_names)
    answering = cmds.add_parser("answering", help="a person or an answering machine on the reminder calls: right "
                                                  "answers, the wait before greeting, the message after the beep")
    answering.add_argument("--voices", help="comma-separated caller voices (default: all)")
    answering.add_argument("--noise", default="clean,15",
                           help="comma-separated: clean and/or SNR in dB (default clean,15)")
    answering.add_argument("--quick", action="store_true", help="only a few answers and greetings of each kind")
    answering.set_defaults(run=run_answering)
    reminders = cmds.add_parser("reminders", help="reminder calls over real SIP, at the patient's phone: answer to "
                                                  "the agent's first word, the message after a mailbox's beep, and "
                                                  "person or machine told right")
    reminders.add_argument("--voices", help="comma-separated caller voices (default: all)")
    reminders.add_argument("--workdir", type=Path, help="keep the audio here (default: a new temporary folder)")
    reminders.set_defaults(run=run_reminders)
    conv = cmds.add_parser("conversations",
                           help="scripted multi-turn calls against the running configuration, outcomes checked "
                                "in the store")
    conv.add_argument("--voices", default="espeak,festival-hts",
                      help="caller voices, comma separated (default espeak,festival-hts)")
    conv.add_argument("--noise", default="clean", help="clean and/or noise-20, comma separated (default clean)")
    pick = conv.add_mutually_exclusive_group()
    pick.add_argument("--scenarios", default="", help="only these scenarios, comma separated")
    pick.add_argument("--limit", type=int, default=None, help="only the first N scenarios")
    conv.add_argument("--concurrency", type=int, default=2,
                      help=f"calls at once (default 2, most {MAX_SIP_CALLS}: the SIP stack's limit)")
    conv.add_argument("--over", choices=["sip", "engines"], default="sip",
                      help="real SIP on loopback (default, the official numbers) or straight to the engines "
                           "and the dialogue (fast)")
    conv.add_argument("--workdir", type=Path, default=None,
                      help="where the caller's lines, the demo store and the transcripts go (default: a new "
                           "temporary folder)")
    conv.set_defaults(run=run_conversations)
    crm = cmds.add_parser("crm", help="caller lookup speed on a large synthetic store")
    crm.add_argument("--contacts", type=int, default=100_000)
    crm.add_argument("--appointments", type=int, default=1_000_000)
    crm.add_argument("--lookups", type=int, default=2000)
    crm.add_argument("--store", choices=("plain", "encrypted"), help="only this kind of store (default: both)")
    crm.set_defaults(run=run_crm)
    cal = cmds.add_parser("calendar", help="CalDAV sync against a local Radicale: first sync of a big calendar, "
                                           "and the delay each way")
    cal.add_argument("--events", type=int, default=5000, help="staff events in the calendar")
    cal.add_argument("--trials", type=int, default=10, help="bookings and blocks timed each way")
    cal.set_defaults(run=run_calendar)


def run_latency(args: argparse.Namespace) -> int:
    """Run the latency benchmark and print its report."""
    import asyncio

    from appliance.bench import latency

    from appliance.lab.voices import CALLER_VOICES

    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    if args.calls < 1 or not levels or min(levels) < 1 or max(levels) > MAX_SIP_CALLS:
        raise SystemExit(f"--calls must be at least 1 and every --concurrency level 1..{MAX_SIP_CALLS}")
    if args.voice not in CALLER_VOICES:
        raise SystemExit(f"--voice must be one of {', '.join(CALLER_VOICES)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-latency-"))
    print(f"{args.calls} conversations at each of {', '.join(map(str, levels))} calls at once, "
          f"voice {args.voice}; caller lines and transcripts in {workdir}", flush=True)
    try:
        results = asyncio.run(latency.measure_conversations(load_config(args.config), levels, args.calls, args.voice,
                                                            workdir))
    except ValueError as exc:
        raise SystemExit(f"--calls: {exc}") from None
    summary = latency.summarise(results)
    print(latency.report(summary))
    return 1 if any(s["failed_calls"] for s in summary.values()) else 0


def run_load(args: argparse.Namespace) -> int:
    """Run the load benchmark and print its report."""
    import asyncio

    from appliance.bench import load

    if args.calls < 1 or not 1 <= args.max <= MAX_SIP_CALLS or args.target_ms <= 0:
        raise SystemExit(f"--calls must be at least 1, --max 1..{MAX_SIP_CALLS} and --target-ms positive")
    print(f"scripted calls at 1..{args.max} at once until p95 reaches {args.target_ms:.0f} ms "
          "(loading and warming the models first)...", flush=True)
    summary = asyncio.run(load.measure(load_config(args.config), args.max, args.calls, args.target_ms))
    print(load.report(summary, args.target_ms, args.max))
    return 0


def run_soak(args: argparse.Namespace) -> int:
    """Run the soak benchmark on a demo service and print its report; exit 1 unless `ok`."""
    import asyncio

    from appliance.bench import soak
    from appliance.lab.demo import demo_service

    if args.calls < 1 or args.warmup < 0 or args.every < 1:
        raise SystemExit("--calls and --every must be at least 1, --warmup at least 0")

    async def main() -> dict:
        async with demo_service(load_config(args.config)) as service:
            print(soak.HEADER, flush=True)
            return await soak.run(service, args.calls, args.warmup, args.every,
                                  limits=soak.Limits(rss_mb=args.rss_limit_mb),
                                  on_sample=lambda s: print(soak.row(s), flush=True))

    print(f"{args.warmup} warm-up calls, then {args.calls} sequential calls on one service...", flush=True)
    summary = asyncio.run(main())
    print(soak.report(summary))
    return 0 if summary["verdict"] == "ok" else 1


def run_stt(args: argparse.Namespace) -> int:
    """Run the STT benchmark and print its report."""
    from appliance.bench import stt

    config = load_config(args.config)
    store = model_store(config)
    voices, noise = _voices_and_noise(args)
    models = _names(args.models) or store.installed(stt.CANDIDATES)
    if not models:
        raise SystemExit("no STT candidate is installed: run 'appliance models install whisper-base'")
    print(f"{len(models)} models x {len(voices)} voices x {len(noise)} noise levels x "
          f"{len(stt.SENTENCES)} sentences...", flush=True)
    results = stt.run(config, store, models, voices, noise)
    primary, _, backup = args.fallback.partition(",")
    pair = stt.with_fallback(results, primary, backup)
    if pair is not None:
        results[f"{primary}>{backup}"] = pair
    print(stt.report(stt.summarise(results)))
    return 0


def run_turns(args: argparse.Namespace) -> int:
    """Run the end-of-turn benchmark and print its report."""
    from appliance.bench import turns
    from appliance.voice.turns import turn_options

    config = load_config(args.config)
    voices, noise = _voices_and_noise(args)
    audio = turns.clips(voices, noise)
    print(f"{len(audio)} caller turns ({len(turns.TURNS)} x {len(voices)} voices x {len(noise)} noise levels)...",
          flush=True)
    measured = turns.measure(config, model_store(config), audio)
    print(turns.report(turns.summarise(measured, turn_options(config.voice))))
    return 0


def run_vad(args: argparse.Namespace) -> int:
    """Run the voice activity benchmark and print its report."""
    from appliance.bench import turns, vad

    config = load_config(args.config)
    store = model_store(config)
    voices, noise = _voices_and_noise(args)
    models = _names(args.models) or store.installed(vad.CANDIDATES)
    audio = turns.clips(voices, noise)
    print(f"{len(models)} models x {len(audio)} caller turns...", flush=True)
    print(vad.report(vad.summarise(vad.measure(config, store, models, audio, vad.noise_clips()))))
    return 0


def run_names(args: argparse.Namespace) -> int:
    """Run the spelled-names benchmark and print its report."""
    from appliance.bench import names

    config = load_config(args.config)
    voices, noise = _voices_and_noise(args)
    audio = names.clips(voices, noise)
    print(f"{len(audio)} names said and spelled ({len(names.NAMES)} x {len(voices)} voices x {len(noise)} noise "
          "levels)...", flush=True)
    rows = names.measure(config, model_store(config), audio)
    print(names.report(names.summarise(rows), rows))
    return 0


def run_answering(args: argparse.Namespace) -> int:
    """Run the answering-machine benchmark and print its report."""
    from appliance.bench import answering
    from appliance.voice.answering import AnsweringOptions

    config = load_config(args.config)
    voices, noise = _voices_and_noise(args)
    audio = answering.clips(voices, noise, args.quick)
    print(f"{len(audio)} answers (people and voicemail greetings x {len(voices)} voices x {len(noise)} noise "
          "levels)...", flush=True)
    measured = answering.measure(config, model_store(config), audio)
    options = AnsweringOptions()
    print(answering.report(answering.summarise(answering.replay(measured, options), options)))
    return 0


def run_reminders(args: argparse.Namespace) -> int:
    """Run the reminder-call benchmark and print its report."""
    import asyncio

    from appliance.bench import reminder_calls
    from appliance.lab.voices import CALLER_VOICES

    voices = _names(args.voices) or list(CALLER_VOICES)
    if set(voices) - set(CALLER_VOICES):
        raise SystemExit(f"--voices must be among {', '.join(CALLER_VOICES)}")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{len(reminder_calls.answers(voices))} reminder calls; audio in {workdir}", flush=True)
    results = asyncio.run(reminder_calls.measure(load_config(args.config), voices, workdir))
    print(reminder_calls.report(reminder_calls.summarise(results)))
    return 0


def _voices_and_noise(args: argparse.Namespace) -> tuple[list[str], list[str]]:
    """`--voices` (default: every caller voice) and `--noise` (clean or SNRs in dB), checked."""
    from appliance.lab.voices import CALLER_VOICES

    voices, noise = _names(args.voices) or list(CALLER_VOICES), _names(args.noise)
    if set(voices) - set(CALLER_VOICES) or not noise or any(
            n != "clean" and not n.lstrip("-").replace(".", "", 1).isdigit() for n in noise):
        raise SystemExit(f"--voices must be among {', '.join(CALLER_VOICES)}; --noise clean or numbers")
    return voices, noise


def _names(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def run_conversations(args: argparse.Namespace) -> int:
    """Run the conversation benchmark and print its report (0 unless the run itself broke)."""
    import asyncio

    from appliance.bench import conversations, scenarios
    from appliance.lab.voices import CALLER_VOICES

    voices = [v.strip() for v in args.voices.split(",") if v.strip()]
    noises = [n.strip() for n in args.noise.split(",") if n.strip()]
    unknown = [v for v in voices if v not in CALLER_VOICES] + [n for n in noises if n not in conversations.NOISES]
    if unknown or not voices or not noises:
        raise SystemExit(f"unknown voices or noise levels: {', '.join(unknown) or 'none given'} (voices: "
                         f"{', '.join(CALLER_VOICES)}; noise: {', '.join(conversations.NOISES)})")
    if not 1 <= args.concurrency <= MAX_SIP_CALLS or (args.limit is not None and args.limit < 1):
        raise SystemExit(f"--concurrency must be 1..{MAX_SIP_CALLS} and --limit at least 1")
    try:
        chosen = scenarios.by_name([s.strip() for s in args.scenarios.split(",") if s.strip()] or None, args.limit)
    except KeyError as exc:
        raise SystemExit(str(exc)) from None
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-conversations-"))
    plan = conversations.Plan(chosen, voices, noises, args.concurrency, args.over)
    print(f"{len(chosen)} scenarios x {len(voices)} voices x {len(noises)} noise levels over {args.over}, "
          f"{args.concurrency} at once; work dir {workdir}", flush=True)

    log_path = workdir / "calls.jsonl"  # every call as it ends, to read the failures from
    workdir.mkdir(parents=True, exist_ok=True)
    log_path.write_text("")

    def progress(r: conversations.ScenarioResult) -> None:
        with log_path.open("a") as out:
            out.write(conversations.transcripts([r]) + "\n")
        print(f"  {'ok  ' if r.ok else 'FAIL'} {r.scenario} [{r.voice}/{r.noise}] {r.seconds:.0f} s", flush=True)

    results = asyncio.run(conversations.run(load_config(args.config), plan, workdir, progress))
    print(f"transcripts: {log_path}")
    print(conversations.report(conversations.summarise(results, plan)))
    return 0


def run_crm(args: argparse.Namespace) -> int:
    """Run the store lookup benchmark."""
    from appliance.bench import crm

    print(crm.run(args.contacts, args.appointments, args.lookups, (args.store,) if args.store else crm.STORES))
    return 0


def run_calendar(args: argparse.Namespace) -> int:
    """Run the calendar sync benchmark."""
    from appliance.bench import calendar

    print(calendar.run(args.events, args.trials))
    return 0


def run_engines(args: argparse.Namespace) -> int:
    """Run the engine benchmark and print its report."""
    config = load_config(args.config)
    roles = [Role(r) for r in args.role] if args.role else [Role.VAD, Role.STT, Role.LLM, Role.TTS]
    rows = engines.run(config, model_store(config), roles, args.all_models)
    print(engines.report(rows))
    return 0
