"""A scriptable SIP phone for tests, the demo caller and set-up checks (its own process).

    python -m appliance.lab.peer --port 5071 [--register user:password@host:port]
        [--answer | --busy | --no-answer] [--call URI] [--play WAV] [--record-dir DIR]
        [--transport tls --tls-ca CA.pem [--tls-verify-server] --srtp off|optional|mandatory]

Prints one JSON object per line for every event (registered, incoming with the INVITE's
headers, answered, media with whether it is SRTP, dtmf, transfer_request, ended with the
recording paths). Reads commands
as JSON lines on stdin: {"cmd": "call", "uri": ...}, {"cmd": "play", "wav": ...},
{"cmd": "dtmf", "digits": "12", "method": "rfc4733"|"info"}, {"cmd": "hangup"}, {"cmd": "quit"}.
Each call records what it sent and what it received on one 20 ms timeline.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import threading
import time
from collections import deque
from pathlib import Path

import numpy as np
import pjsua2 as pj

from appliance.audio import read_wav, write_wav
from appliance.sip.callerid import parse_headers
from appliance.sip.endpoint import EndpointSettings, SipThread
from appliance.sip.media import ACTIVE_AUDIO_STATUSES, SILENCE, AudioPort, jitter_buffer_ms
from appliance.sip.security import TlsFiles, apply_srtp, audio_is_srtp

_print_lock = threading.Lock()


def emit(event: str, **fields: object) -> None:
    """One JSON line on stdout."""
    with _print_lock:
        print(json.dumps({"event": event, "t": round(time.monotonic(), 3), **fields}), flush=True)


class EchoPort(AudioPort):
    """Sends back what it hears, `gain_db` quieter and 60 ms later, mixed into what it plays:
    the line echo a real phone line gives the agent."""

    def __init__(self, name: str, gain_db: float, delay_frames: int = 3) -> None:
        super().__init__(name, record=True)
        self.gain = 10 ** (gain_db / 20)
        self.echo: deque[bytes] = deque([SILENCE] * delay_frames)

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:  # noqa: N802
        super().onFrameReceived(frame)
        self.echo.append(self.recorded_in[-1])

    def onFrameRequested(self, frame: pj.MediaFrame) -> None:  # noqa: N802
        super().onFrameRequested(frame)
        echo = np.frombuffer(self.echo.popleft() if self.echo else SILENCE, dtype="<i2") * self.gain
        mixed = np.frombuffer(self.recorded_out[-1], dtype="<i2") + echo
        data = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()
        self.recorded_out[-1] = data
        frame.buf = pj.ByteVector(data)


class PeerCall(pj.Call):
    """A call of the peer; records both directions."""

    def __init__(self, peer: Peer, account: pj.Account, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(account, call_id)
        self.peer = peer
        self.number = next(peer.counter)
        self.port = (EchoPort(f"peer{self.number}", peer.echo_db) if peer.echo_db is not None
                     else AudioPort(f"peer{self.number}", record=True))
        self.audio: pj.AudioMedia | None = None
        self.saved = False
        self.jitter_ms: float | None = None

    def onCallState(self, prm: pj.OnCallStateParam) -> None:  # noqa: N802
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_EARLY:
            emit("progress", call=self.number, code=info.lastStatusCode)
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            emit("answered", call=self.number, remote=info.remoteUri)
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            emit("ended", call=self.number, code=info.lastStatusCode, reason=info.lastReason,
                 jitter_ms=self.jitter_ms, **self.save())
            self.peer.thread.post(lambda: self.peer.forget(self))

    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:  # noqa: N802
        info = self.getInfo()
        for index, media in enumerate(info.media):
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status in ACTIVE_AUDIO_STATUSES:
                self.audio = self.getAudioMedia(index)
                emit("media", call=self.number, srtp=audio_is_srtp(self, index))
                self.audio.startTransmit(self.port)
                self.port.startTransmit(self.audio)
                if self.peer.play_pcm and not self.port.outbound:
                    self.port.write(self.peer.play_pcm)

    def onStreamDestroyed(self, prm: pj.OnStreamDestroyedParam) -> None:  # noqa: N802
        self.jitter_ms = jitter_buffer_ms(self, prm.streamIdx)

    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:  # noqa: N802
        emit("dtmf", call=self.number, digit=prm.digit)

    def onCallTransferRequest(self, prm: pj.OnCallTransferRequestParam) -> None:  # noqa: N802
        emit("transfer_request", call=self.number, target=prm.dstUri)
        if self.peer.refuse_refer:
            prm.statusCode = 603
            return
        new = PeerCall(self.peer, self.peer.account)
        self.peer.calls.append(new)
        prm.newCall = new

    def onCallReplaced(self, prm: pj.OnCallReplacedParam) -> None:  # noqa: N802
        new = PeerCall(self.peer, self.peer.account, prm.newCallId)
        self.peer.calls.append(new)
        prm.newCall = new
        emit("replaced", call=self.number, new_call=new.number)

    def save(self) -> dict[str, str]:
        """Write the two recordings (once); return their paths."""
        if self.saved or self.peer.record_dir is None:
            return {}
        self.saved = True
        out = {}
        for direction, frames in (("sent", self.port.recorded_out), ("received", self.port.recorded_in)):
            path = self.peer.record_dir / f"call{self.number}-{direction}.wav"
            write_wav(path, b"".join(frames or []))
            out[direction] = str(path)
        return out


class PeerAccount(pj.Account):
    def __init__(self, peer: Peer) -> None:
        super().__init__()
        self.peer = peer

    def onRegState(self, prm: pj.OnRegStateParam) -> None:  # noqa: N802
        emit("registered" if 200 <= prm.code < 300 and prm.expiration > 0 else "registration",
             code=prm.code, reason=prm.reason)

    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:  # noqa: N802
        call = PeerCall(self.peer, self, prm.callId)
        self.peer.calls.append(call)
        headers = parse_headers(prm.rdata.wholeMsg)
        emit("incoming", call=call.number, source=prm.rdata.srcAddress, headers=headers)
        answer = pj.CallOpParam()
        answer.statusCode = {"answer": 200, "busy": 486, "no-answer": 180}[self.peer.mode]
        call.answer(answer)


class Peer:
    """The phone: one account, any number of calls."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.mode = args.mode
        self.refuse_refer = args.refuse_refer
        self.echo_db: float | None = args.echo_db
        self.record_dir: Path | None = args.record_dir
        self.play_pcm = read_wav(args.play) if args.play else b""
        self.calls: list[PeerCall] = []
        self.retired_ports: list[AudioPort] = []
        self.counter = iter(range(1, 1_000_000))
        self.account: PeerAccount | None = None
        self.done = threading.Event()
        tls = TlsFiles(args.tls_cert or "", args.tls_key or "", args.tls_ca or "", args.tls_verify_server)
        self.thread = SipThread(EndpointSettings(bind_address=args.bind, port=args.port, transport=args.transport,
                                                 codecs=tuple(args.codecs.split(",")), log_level=1, tls=tls),
                                self.setup, self.teardown, name="peer")

    def setup(self, ep: pj.Endpoint) -> None:
        a = self.args
        config = pj.AccountConfig()
        config.mediaConfig.transportConfig.port = a.rtp_port
        config.mediaConfig.transportConfig.boundAddress = a.bind
        config.mediaConfig.transportConfig.publicAddress = a.bind
        config.natConfig.contactRewriteUse = 0
        config.natConfig.viaRewriteUse = 0
        config.natConfig.sdpNatRewriteUse = 0
        apply_srtp(config.mediaConfig, a.srtp)
        if a.register:
            creds, registrar = a.register.rsplit("@", 1)
            user, password = creds.split(":", 1)
            transport = "" if a.transport == "udp" else f";transport={a.transport}"
            config.idUri = f"sip:{user}@{registrar}"
            config.regConfig.registrarUri = f"sip:{registrar}{transport}"
            config.regConfig.timeoutSec = 60
            config.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", user, 0, password))
        else:
            config.idUri = f"sip:{a.user}@{a.bind}:{a.port}"
            config.regConfig.registerOnAdd = False
        self.account = PeerAccount(self)
        self.account.create(config, True)
        emit("ready", port=a.port)

    def teardown(self) -> None:
        ep = self.thread.endpoint
        ep.hangupAllCalls()
        for _ in range(30):
            ep.libHandleEvents(10)
        for call in self.calls:
            call.save()
        ep.audDevManager().setNoDev()  # stop the audio clock before any port is freed (see PortPool)
        self.calls.clear()
        self.retired_ports.clear()
        self.account = None
        gc.collect()

    def forget(self, call: PeerCall) -> None:
        if call in self.calls:
            self.calls.remove(call)
            self.retired_ports.append(call.port)  # freed at teardown, once the clock has stopped

    def current(self) -> PeerCall | None:
        live = [c for c in self.calls if c.isActive()]
        return live[-1] if live else None

    def command(self, cmd: dict) -> None:
        """Run one stdin command on the SIP thread."""
        name = cmd.get("cmd")
        if name == "call":
            call = PeerCall(self, self.account)
            prm = pj.CallOpParam(True)
            for hname, hvalue in cmd.get("headers", {}).items():
                header = pj.SipHeader()
                header.hName, header.hValue = hname, hvalue
                prm.txOption.headers.append(header)
            self.calls.append(call)
            call.makeCall(cmd["uri"], prm)
            emit("calling", call=call.number, uri=cmd["uri"])
        elif name == "play":
            call = self.current()
            if call is not None:
                call.port.write(read_wav(Path(cmd["wav"])))
        elif name == "dtmf":
            call = self.current()
            if call is not None:
                prm = pj.CallSendDtmfParam()
                prm.digits = cmd["digits"]
                prm.method = (pj.PJSUA_DTMF_METHOD_SIP_INFO if cmd.get("method") == "info"
                              else pj.PJSUA_DTMF_METHOD_RFC2833)
                call.sendDtmf(prm)
        elif name == "hangup":
            call = self.current()
            if call is not None:
                call.hangup(pj.CallOpParam())
        elif name == "quit":
            self.done.set()
        else:
            emit("error", message=f"unknown command {cmd!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the peer until stdin closes or a quit command."""
    parser = argparse.ArgumentParser(prog="appliance.lab.peer")
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rtp-port", type=int, default=42000)
    parser.add_argument("--user", default="peer")
    parser.add_argument("--register", help="user:password@registrar[:port]")
    parser.add_argument("--mode", choices=["answer", "busy", "no-answer"], default="answer")
    parser.add_argument("--refuse-refer", action="store_true", help="answer REFER with 603")
    parser.add_argument("--call", help="call this URI at start")
    parser.add_argument("--play", type=Path, help="WAV to play into every call")
    parser.add_argument("--record-dir", type=Path)
    parser.add_argument("--codecs", default="PCMU,PCMA,G722")
    parser.add_argument("--echo-db", type=float, help="echo what it hears back, this many dB down (e.g. -20)")
    parser.add_argument("--transport", choices=["udp", "tcp", "tls"], default="udp")
    parser.add_argument("--tls-cert", help="certificate (PEM), to accept TLS calls")
    parser.add_argument("--tls-key", help="its private key (PEM)")
    parser.add_argument("--tls-ca", help="CA certificates (PEM) to check the far end's certificate with")
    parser.add_argument("--tls-verify-server", action="store_true", help="refuse a server whose certificate fails")
    parser.add_argument("--srtp", choices=["off", "optional", "mandatory"], default="off")
    args = parser.parse_args(argv)
    peer = Peer(args)
    peer.thread.start()
    if args.call:
        peer.thread.post(lambda: peer.command({"cmd": "call", "uri": args.call}))

    def read_stdin() -> None:
        for line in sys.stdin:
            try:
                cmd = json.loads(line)
            except ValueError:
                emit("error", message=f"not JSON: {line.strip()!r}")
                continue
            peer.thread.post(lambda cmd=cmd: peer.command(cmd))
        peer.done.set()

    threading.Thread(target=read_stdin, daemon=True).start()
    peer.done.wait()
    peer.thread.stop()
    emit("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
