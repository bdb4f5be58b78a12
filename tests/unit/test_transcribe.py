"""Transcription: the real offline faster-whisper model on espeak-ng speech (one by one and
packed into windows); the packing plan and word assignment; clear errors."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
import soxr

from crossemo.core.schemas import AudioShard, write_table
from crossemo.transcripts import transcribe
from crossemo.transcripts.filters import similarity
from crossemo.transcripts.transcribe import (
    OFFLINE_MODEL,
    Decoded,
    Placement,
    Result,
    Segment,
    TranscribeSettings,
    Transcripts,
    WeightsMissing,
    WhisperBackend,
    Word,
    decode_segments,
    load_backend,
    openai_whisper_checkpoint,
    pack_plan,
    split_window,
    transcribe_shard,
    transcribe_utterances,
    window_audio,
)

SENTENCES = {
    "demo/a": "The weather is lovely today and I am going for a walk in the park.",
    "demo/b": "Please call me back as soon as you get this message.",
    "demo/c": "I cannot believe you broke my favourite coffee cup again.",
}

# More speakers for packing: neighbours in one window must not swap words.
PACKED = {
    "pack/00": ("en+f2", "We should leave early tomorrow morning to avoid the traffic."),
    "pack/01": ("en+m1", "Honestly, that was the best concert I have been to in years."),
    "pack/02": ("en+f4", "Why does nobody ever listen to what I am trying to say?"),
    "pack/03": ("en+m3", "Turn left at the second junction and the station is on your right."),
    "pack/04": ("en+f1", "Please call me back as soon as you get this message."),
    "pack/05": ("en+m7", "I cannot believe you broke my favourite coffee cup again."),
}

needs_espeak = pytest.mark.requires_tools("espeak-ng")


def speak(text: str, tmp_path, voice: str = "en+m3") -> np.ndarray:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    samples, sr = sf.read(wav, dtype="float32")
    return soxr.resample(samples, sr, 16000).astype(np.float32)


def speech_shard(tmp, utterances: dict[str, tuple[str, str]]):
    rows = []
    for utt_id, (voice, text) in utterances.items():
        samples = speak(text, tmp, voice)
        rows.append({"utt_id": utt_id, "samples": samples, "sample_rate": 16000,
                     "duration": len(samples) / 16000, "source_duration": len(samples) / 16000,
                     "trimmed_s": 0.0, "denoised": False})  # fmt: skip
    path = tmp / "0000.parquet"
    write_table(pd.DataFrame(rows), path, AudioShard)
    return path


@pytest.fixture(scope="module")
def shard(tmp_path_factory, tools):
    tools("espeak-ng")
    return speech_shard(tmp_path_factory.mktemp("speech"),
                        {u: ("en+m3", text) for u, text in SENTENCES.items()})  # fmt: skip


@pytest.fixture(scope="module")
def packed_shard(tmp_path_factory, tools):
    tools("espeak-ng")
    return speech_shard(tmp_path_factory.mktemp("packed"), PACKED)


@needs_espeak
@pytest.mark.parametrize(
    "pack_seconds, decoding, mean_similarity",
    [(0, {}, 0.9), (28, {}, 0.9),  # one by one; packed
     (28, {"beam_size": 1, "temperature": 0}, 0.85)],  # greedy, no fallback: a little worse
)  # fmt: skip
def test_offline_model_transcribes_demo_speech(shard, tmp_path, pack_seconds, decoding,
                                               mean_similarity):  # fmt: skip
    out = tmp_path / "t.parquet"
    settings = TranscribeSettings(pack_seconds=pack_seconds, **decoding)
    table = transcribe_shard(shard, out, settings, cpu_threads=2)
    Transcripts.validate(pd.read_parquet(out))
    assert list(table["utt_id"]) == list(SENTENCES)
    assert set(table["backend"]) == {"faster-whisper"} and set(table["model"]) == {OFFLINE_MODEL}
    assert set(table["language"]) == {"en"}
    heard = dict(zip(table["utt_id"], table["text"], strict=True))
    ratios = {u: similarity(heard[u], text) for u, text in SENTENCES.items()}
    assert min(ratios.values()) > 0.8, (heard, ratios)
    assert np.mean(list(ratios.values())) > mean_similarity, (heard, ratios)
    assert table["avg_logprob"].lt(0).all() and table["no_speech_prob"].between(0, 1).all()


@needs_espeak
def test_packed_windows_give_each_utterance_its_own_words(packed_shard, tmp_path):
    """Six speakers (~25 s each way) in two 20 s windows: texts as good as one by one, no leaks."""
    table = transcribe_shard(packed_shard, tmp_path / "t.parquet",
                             TranscribeSettings(pack_seconds=20), cpu_threads=2)  # fmt: skip
    durations = pd.read_parquet(packed_shard, columns=["duration"])["duration"]
    assert len(pack_plan(list(PACKED), list(durations), 20)) == 2
    assert list(table["utt_id"]) == list(PACKED) and set(table["language"]) == {"en"}
    heard = dict(zip(table["utt_id"], table["text"], strict=True))
    ratios = {u: similarity(heard[u], text) for u, (_, text) in PACKED.items()}
    assert min(ratios.values()) > 0.8 and np.mean(list(ratios.values())) > 0.9, (heard, ratios)
    for u in PACKED:  # each transcript is closest to its own sentence: no words leaked over
        others = {v: similarity(heard[u], text) for v, (_, text) in PACKED.items() if v != u}
        assert ratios[u] > max(others.values()), (u, heard[u], others)
        assert abs(len(heard[u].split()) - len(PACKED[u][1].split())) <= 2, (u, heard[u])
    assert table["avg_logprob"].lt(0).all() and table["no_speech_prob"].between(0, 1).all()
    assert np.isclose(table["duration"].sum(), durations.sum())


def test_openai_whisper_without_weights_fails_clearly(tmp_path):
    settings = TranscribeSettings(backend="openai-whisper", model="tiny.en",
                                  download_root=str(tmp_path))  # fmt: skip
    with pytest.raises(WeightsMissing, match=r"tiny\.en.*not found at .*tiny\.en\.pt"):
        load_backend(settings)
    with pytest.raises(WeightsMissing):
        openai_whisper_checkpoint(str(tmp_path / "missing.pt"))
    with pytest.raises(ValueError, match="unknown openai-whisper model"):
        openai_whisper_checkpoint("huge-v9", str(tmp_path))


def test_faster_whisper_unknown_model_offline_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsMissing, match="could not be loaded"):
        load_backend(TranscribeSettings(model=str(tmp_path / "no-such-model")))


def test_settings_from_config():
    s = TranscribeSettings.from_config({"backend": "openai-whisper", "model": "large-v2",
                                        "beam_size": 1, "unknown": 3})  # fmt: skip
    assert (s.backend, s.model, s.beam_size, s.compute_type) == ("openai-whisper", "large-v2", 1,
                                                                 "int8")  # fmt: skip
    with pytest.raises(ValueError, match="backend"):
        TranscribeSettings.from_config({"backend": "vosk"})


def test_decoding_options_default_to_whispers_fallback_ladder():
    ladder = TranscribeSettings.from_config({}).decode_options()
    assert ladder["temperature"] == (0.0, 0.2, 0.4, 0.6, 0.8, 1.0) and ladder["beam_size"] == 5
    greedy = TranscribeSettings.from_config({"beam_size": 1, "temperature": 0}).decode_options()
    assert (greedy["temperature"], greedy["beam_size"]) == (0, 1)
    assert greedy["language"] == "en" and greedy["condition_on_previous_text"] is False


def test_pack_plan_windows_offsets_and_long_utterances_alone():
    ids = ["u3", "u1", "u2", "u0", "u4", "u5"]
    durations = [4.0, 10.0, 31.0, 5.0, 12.0, 28.0]  # u2 is longer than the window
    windows = pack_plan(ids, durations, 28, gap_s=1.0)
    assert [[ids[p.index] for p in w] for w in windows] == [
        ["u0", "u1"],  # 0-5, 6-16; u2 does not fit -> alone
        ["u2"],
        ["u3", "u4"],  # 0-4, 5-17; u5 (28 s) would end at 46
        ["u5"],  # exactly the window length: alone, not dropped
    ]
    assert windows[0] == [Placement(3, 0, 0.0, 5.0), Placement(1, 0, 6.0, 16.0)]
    assert windows[1] == [Placement(2, 1, 0.0, 31.0)]
    assert windows[2] == [Placement(0, 2, 0.0, 4.0), Placement(4, 2, 5.0, 17.0)]
    assert all(w[-1].end <= 28 or len(w) == 1 for w in windows)
    # every utterance exactly once; ids sorted across windows (deterministic)
    flat = [p.index for w in windows for p in w]
    assert sorted(flat) == list(range(len(ids))) and [ids[i] for i in flat] == sorted(ids)
    # many short ones fill windows greedily
    many = pack_plan([f"s{i:02d}" for i in range(20)], [3.0] * 20, 28)
    assert [len(w) for w in many] == [7, 7, 6] and many[0][-1].end == 27.0
    # 0 disables packing: one window per utterance, in id order
    assert [[p.index] for w in pack_plan(ids, durations, 0) for p in w] == [
        [3], [1], [2], [0], [4], [5]]  # fmt: skip
    assert all(len(w) == 1 and w[0].start == 0 for w in pack_plan(ids, durations, 0))
    assert pack_plan([], [], 28) == []


def test_window_audio_places_clips_at_their_offsets():
    clips = [np.full(8000, 1.0, np.float32), np.full(16000, 2.0, np.float32)]
    window = pack_plan(["a", "b"], [0.5, 1.0], 28, gap_s=1.0)[0]
    audio = window_audio(window, clips)
    assert len(audio) == int(2.5 * 16000) and audio.dtype == np.float32
    assert (audio[:8000] == 1).all() and (audio[8000:24000] == 0).all()
    assert (audio[24000:] == 2).all()


def test_split_window_assigns_words_by_midpoint_and_gaps_to_nearest():
    segments = [Segment(0.0, 3.0, -0.2, 0.1), Segment(3.0, 9.0, -0.4, 0.3)]
    words = [
        Word(0.1, 0.5, " Hello", 0.9, 0),
        Word(0.5, 1.9, " there.", 0.8, 0),
        Word(2.0, 2.6, " Stray", 0.5, 0),  # midpoint 2.3 in the gap 2-3.2, nearer the first span
        Word(2.9, 3.5, " Good", 0.7, 1),  # midpoint 3.2: second span
        Word(3.5, 4.0, " day.", 0.6, 1),
    ]
    spans = [(0.0, 2.0), (3.2, 5.0), (6.0, 9.0)]
    first, second, third = split_window(Decoded("en", segments, words), spans)
    assert first.text == "Hello there. Stray" and second.text == "Good day."
    assert np.isclose(first.avg_logprob, np.mean(np.log([0.9, 0.8, 0.5])))
    assert np.isclose(second.avg_logprob, np.mean(np.log([0.7, 0.6])))
    assert (first.no_speech_prob, second.no_speech_prob) == pytest.approx((0.1, 0.3))
    assert {first.language, second.language, third.language} == {"en"}
    # no word: empty text, no log-probability, no-speech of the overlapping segment
    assert third.text == "" and np.isnan(third.avg_logprob)
    assert third.no_speech_prob == pytest.approx(0.3)


class FakeBackend:
    """Records calls: ``__call__`` for lone utterances, ``words`` for packed windows."""

    def __init__(self):
        self.calls, self.windows = [], []

    def __call__(self, samples):
        self.calls.append(len(samples))
        return Result(f"alone {len(samples)}", "en", -0.5, 0.2)

    def words(self, samples):
        self.windows.append(len(samples))
        return Decoded(
            "en",
            [Segment(0, len(samples) / 16000, -0.3, 0.4)],
            [Word(0.1, 0.3, " first", 0.9, 0), Word(1.6, 1.8, " second", 0.8, 0)],
        )


def test_transcribe_utterances_packs_or_not(monkeypatch):
    fake = FakeBackend()
    monkeypatch.setattr(transcribe, "load_backend", lambda settings, cpu_threads=0: fake)
    items = [("b", np.zeros(16000, np.float32), 16000), ("a", np.zeros(8000, np.float32), 16000),
             ("c", np.zeros(40 * 16000, np.float32), 16000)]  # fmt: skip
    packed = transcribe_utterances(items, TranscribeSettings(pack_seconds=28))
    assert list(packed["utt_id"]) == ["b", "a", "c"]  # input order kept
    assert fake.windows == [int(2.5 * 16000)] and fake.calls == [40 * 16000]  # a|gap|b; c alone
    assert list(packed["text"]) == ["second", "first", f"alone {40 * 16000}"]
    assert list(packed["duration"]) == [1.0, 0.5, 40.0] and packed["seconds"].ge(0).all()
    fake.calls.clear(), fake.windows.clear()
    alone = transcribe_utterances(items, TranscribeSettings(pack_seconds=0))
    assert fake.windows == [] and sorted(fake.calls) == [8000, 16000, 40 * 16000]
    assert list(alone["text"]) == [f"alone {n}" for n in (16000, 8000, 40 * 16000)]
    assert alone["avg_logprob"].eq(-0.5).all() and alone["no_speech_prob"].eq(0.2).all()
    with pytest.raises(ValueError, match="pack_seconds"):
        TranscribeSettings.from_config({"pack_seconds": 45})


# One window as each library returns it: faster-whisper objects (words None without
# timestamps), openai-whisper dicts (no "words" key without timestamps).
SEGMENTS = [(0.0, 1.2, -0.2, 0.1, [(0.1, 0.4, " Hi", 0.9), (0.5, 1.0, " there.", 0.8)]),
            (1.2, 2.0, -0.4, 0.3, [])]  # fmt: skip


def faster_whisper_segments():
    return [SimpleNamespace(start=s, end=e, avg_logprob=lp, no_speech_prob=ns, text="",
                            words=[SimpleNamespace(start=a, end=b, word=w, probability=q)
                                   for a, b, w, q in words] or None)
            for s, e, lp, ns, words in SEGMENTS]  # fmt: skip


def openai_whisper_segments():
    out = []
    for s, e, lp, ns, words in SEGMENTS:
        seg = {"start": s, "end": e, "avg_logprob": lp, "no_speech_prob": ns}
        if words:
            seg["words"] = [{"start": a, "end": b, "word": w, "probability": q}
                            for a, b, w, q in words]  # fmt: skip
        out.append(seg)
    return out


def test_both_backends_segments_become_the_same_words():
    segments = [Segment(0.0, 1.2, -0.2, 0.1), Segment(1.2, 2.0, -0.4, 0.3)]
    words = [Word(0.1, 0.4, " Hi", 0.9, 0), Word(0.5, 1.0, " there.", 0.8, 0)]
    expected = Decoded("en", segments, words)
    assert decode_segments(faster_whisper_segments(), "en") == expected
    assert decode_segments(openai_whisper_segments(), "en") == expected


class CannedWhisper(WhisperBackend):
    """A backend whose library call returns canned segments."""

    def __init__(self, segments):
        self.segments, self.asked = segments, []

    def _transcribe(self, samples, word_timestamps):
        self.asked.append(word_timestamps)
        return self.segments, "en", "Hi there."


@pytest.mark.parametrize("segments", [faster_whisper_segments(), openai_whisper_segments()])
def test_backend_result_weights_segments_by_duration(segments):
    backend = CannedWhisper(segments)
    result = backend(np.zeros(16000, np.float32))
    assert result.text == "Hi there." and result.language == "en"
    assert result.avg_logprob == pytest.approx((1.2 * -0.2 + 0.8 * -0.4) / 2.0)
    assert result.no_speech_prob == pytest.approx((1.2 * 0.1 + 0.8 * 0.3) / 2.0)
    assert [w.text for w in backend.words(np.zeros(16000, np.float32)).words] == [" Hi", " there."]
    assert backend.asked == [False, True]
