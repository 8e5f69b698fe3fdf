"""Speech for the knowledge base: espeak-ng's Vietnamese voice, Opus encoding, audio sniffing.

Synthesis runs two Debian programs: `espeak-ng -v vi` writes a WAV file, and `opusenc` (from
opus-tools) encodes it as Ogg Opus at 16 kbit/s mono, about 2 KB per second of speech, so a
one-minute answer is about 130 KB on a weak 3G line. opus-tools was chosen over ffmpeg because it
does one thing, is about 1 MB installed against ffmpeg's hundreds, and its output is what phones'
browsers play natively. A missing program is an error whose message gives the command that
installs it; nothing is silently skipped.

Recordings uploaded by editors are checked by their content (magic bytes and container
structure), never by their file name.
"""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from knowledge.markdown import spoken_lines
from lib.speech import normalise

# Bump when the text preparation or the encoding changes, so that every reading is redone.
PIPELINE_VERSION = "1"
TIMEOUT_SECONDS = 300
PROGRAMS = {"espeak-ng": "espeak-ng", "opusenc": "opus-tools"}
VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")


class VoiceError(RuntimeError):
    """Synthesis could not run; the message says why and how to fix it (Vietnamese / English)."""


@dataclass(frozen=True)
class Speech:
    text: str
    hash: str

    @property
    def file_name(self) -> str:
        return f"knowledge/audio/{self.hash}.opus"


def _options() -> str:
    return f"{settings.LANGSO_AUDIO_VOICE}|{settings.LANGSO_AUDIO_SPEED}|{settings.LANGSO_AUDIO_BITRATE}"


def prepare(parts: list[str], abbreviations: dict[str, str]) -> Speech:
    """The words the synthesiser reads for these Markdown parts, and the hash that names them."""
    lines = [line for part in parts for line in spoken_lines(part)]
    text = normalise("\n".join(lines), abbreviations)
    digest = hashlib.sha256(f"{PIPELINE_VERSION}|{_options()}|{text}".encode()).hexdigest()
    return Speech(text=text, hash=digest)


def missing_programs() -> list[str]:
    """The Debian packages whose programs are not on PATH."""
    return [package for program, package in PROGRAMS.items() if shutil.which(program) is None]


def _require_programs() -> None:
    missing = missing_programs()
    if missing:
        command = f"apt-get install -y {' '.join(missing)}"
        raise VoiceError(
            f"Thiếu chương trình đọc: cài bằng `{command}` (hoặc scripts/system-deps "
            f"{' '.join(missing)}). / Speech programs are missing: install them with "
            f"`{command}` (or scripts/system-deps {' '.join(missing)})."
        )


def _run(command: list[str], stdin: bytes | None = None) -> None:
    try:
        subprocess.run(  # noqa: S603 - fixed programs, text passed on stdin
            command, input=stdin, capture_output=True, check=True, timeout=TIMEOUT_SECONDS
        )
    except subprocess.CalledProcessError as exc:
        detail = exc.stderr.decode("utf-8", "replace").strip()[:300]
        raise VoiceError(f"{command[0]} lỗi / failed: {detail}") from exc
    except subprocess.TimeoutExpired as exc:
        raise VoiceError(
            f"{command[0]} chạy quá {TIMEOUT_SECONDS} giây. / took over {TIMEOUT_SECONDS} s."
        ) from exc


def synthesise(text: str) -> tuple[bytes, int]:
    """Ogg Opus bytes of `text` read aloud, and the length of the speech in seconds."""
    _require_programs()
    with tempfile.TemporaryDirectory(prefix="langso-voice-") as tmp:
        wav, opus = Path(tmp) / "speech.wav", Path(tmp) / "speech.opus"
        _run(
            [
                "espeak-ng",
                "-v",
                settings.LANGSO_AUDIO_VOICE,
                "-s",
                str(settings.LANGSO_AUDIO_SPEED),
                "-w",
                str(wav),
                "--stdin",
            ],
            stdin=text.encode("utf-8"),
        )
        seconds = wav_seconds(wav.read_bytes())
        _run(
            [
                "opusenc",
                "--quiet",
                "--bitrate",
                str(settings.LANGSO_AUDIO_BITRATE),
                "--downmix-mono",
                str(wav),
                str(opus),
            ]
        )
        return opus.read_bytes(), seconds


def wav_seconds(data: bytes) -> int:
    """The length of a PCM WAV file in whole seconds (0 if its header cannot be read)."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return 0
    offset, byte_rate = 12, 0
    while offset + 8 <= len(data):
        chunk, size = (
            data[offset : offset + 4],
            struct.unpack("<I", data[offset + 4 : offset + 8])[0],
        )
        if chunk == b"fmt " and size >= 16:
            byte_rate = struct.unpack("<I", data[offset + 16 : offset + 20])[0]
        if chunk == b"data" and byte_rate:
            # espeak-ng writing to a file leaves the data size right; trust the file if not.
            length = min(size, len(data) - offset - 8)
            return round(length / byte_rate)
        offset += 8 + size + (size & 1)
    return 0


def ogg_seconds(data: bytes) -> int:
    """The length of an Ogg Opus file in whole seconds, from its last page (0 if unknown)."""
    last = data.rfind(b"OggS")
    if data[:4] != b"OggS" or last < 0 or last + 14 > len(data) or b"OpusHead" not in data[:512]:
        return 0
    # Opus granule positions count 48 kHz samples, including the encoder's pre-skip.
    granule = struct.unpack("<q", data[last + 6 : last + 14])[0]
    head = data.find(b"OpusHead")
    pre_skip = struct.unpack("<H", data[head + 10 : head + 12])[0]
    return max(0, round((granule - pre_skip) / 48000))


# Sniffing uploads -----------------------------------------------------------------------------

ACCEPTED = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/aac": "aac",
    "audio/wav": "wav",
}


def _mp3_frame(data: bytes, at: int) -> bool:
    # MPEG audio frame header: 11 sync bits, a known version, layer III, not a "bad" bitrate.
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return False
    version, layer = (data[at + 1] >> 3) & 3, (data[at + 1] >> 1) & 3
    bitrate, rate = data[at + 2] >> 4, (data[at + 2] >> 2) & 3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def _mp4_handlers(data: bytes) -> set[bytes]:
    handlers = set()
    start = 0
    while (at := data.find(b"hdlr", start)) != -1:
        handlers.add(data[at + 12 : at + 16])
        start = at + 4
    return handlers


def sniff(data: bytes) -> str | None:
    """The MIME type of an audio file judged by its content, or None if it is not audio we take.

    Accepted: Ogg with Opus or Vorbis, MP3 (with or without an ID3 tag), MP4/M4A with a sound
    track and no video track, raw AAC (ADTS), and PCM WAV.
    """
    if data[:4] == b"OggS":
        head = data[:512]
        return "audio/ogg" if b"OpusHead" in head or b"\x01vorbis" in head else None
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav" if wav_seconds(data) > 0 else None
    if data[:3] == b"ID3" and len(data) > 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        at = 10 + size
        # Some encoders pad after the tag; look a little way for the first frame.
        window = data[at : at + 4096]
        sync = window.find(b"\xff")
        while sync != -1:
            if _mp3_frame(data, at + sync):
                return "audio/mpeg"
            sync = window.find(b"\xff", sync + 1)
        return None
    if _mp3_frame(data, 0) and len(data) > 4:
        return "audio/mpeg"
    if len(data) > 7 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0:
        return "audio/aac"  # ADTS: 12 sync bits, layer 00
    if data[4:8] == b"ftyp":
        handlers = _mp4_handlers(data)
        return "audio/mp4" if b"soun" in handlers and b"vide" not in handlers else None
    return None
