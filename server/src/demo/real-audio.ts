import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The real recordings in ../shared/audio with their reference transcripts, converted to WAV where needed. */
export interface RealClip {
  id: string;
  corpus: string;
  wav: string;
  reference: string;
}

function soxToWav(src: string, dest: string, args: string[] = []): string {
  if (fs.existsSync(dest)) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const r = spawnSync('sox', [src, '-b', '16', '-e', 'signed-integer', '-c', '1', dest, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sox could not convert ${path.basename(src)}: ${r.stderr.trim()}`);
  return dest;
}

export function realClips(dataDir: string, workDir: string): { clips: RealClip[]; notes: string[] } {
  const audio = path.join(dataDir, 'audio');
  const notes: string[] = [];
  const clips: RealClip[] = [];
  if (!fs.existsSync(audio))
    return {
      clips,
      notes: [`no real recordings: ${audio} is absent (set HOTLINE_DATA_DIR to the shared data folder)`],
    };
  // LibriSpeech test-clean: FLAC + *.trans.txt
  const ls = path.join(audio, 'librispeech', 'test-clean');
  if (fs.existsSync(ls)) {
    for (const f of fs
      .readdirSync(ls, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.trans.txt'))) {
      for (const line of fs.readFileSync(path.join(ls, f), 'utf8').trim().split('\n')) {
        const [id, ...words] = line.split(' ');
        const flac = path.join(ls, path.dirname(f), `${id}.flac`);
        if (fs.existsSync(flac))
          clips.push({
            id,
            corpus: 'librispeech',
            wav: soxToWav(flac, path.join(workDir, `${id}.wav`)),
            reference: words.join(' '),
          });
      }
    }
  }
  const lv = path.join(audio, 'librivox');
  if (fs.existsSync(path.join(lv, 'transcription'))) {
    for (const line of fs.readFileSync(path.join(lv, 'transcription'), 'utf8').trim().split('\n')) {
      const m = /^<s> (.*) <\/s> \((.*)\)$/.exec(line.trim());
      if (m && fs.existsSync(path.join(lv, `${m[2]}.wav`)))
        clips.push({ id: m[2], corpus: 'librivox', wav: path.join(lv, `${m[2]}.wav`), reference: m[1] });
    }
  }
  const vt = path.join(audio, 'vosk-test');
  if (fs.existsSync(path.join(vt, 'test.wav'))) {
    const ref = fs
      .readFileSync(path.join(vt, 'REFERENCE.txt'), 'utf8')
      .split('\n')
      .filter((l) => /^[a-z ]+$/.test(l.trim()) && l.trim().split(' ').length === 5);
    clips.push({ id: 'vosk-digits', corpus: 'vosk-test', wav: path.join(vt, 'test.wav'), reference: ref.join(' ') });
  }
  const jfk = path.join(audio, 'jfk', 'jfk.flac');
  if (fs.existsSync(jfk)) {
    clips.push({
      id: 'jfk',
      corpus: 'jfk',
      wav: soxToWav(jfk, path.join(workDir, 'jfk.wav'), ['rate', '16000']),
      reference:
        'And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country.',
    });
  }
  return { clips, notes };
}

/**
 * The Mandarin recordings (../shared/audio/mandarin: `text` holds Kaldi-style references in characters, words
 * separated by spaces); a clip whose WAV is absent (some corpora are not cleared for shipping) is left out.
 */
export function mandarinClips(dataDir: string): RealClip[] {
  const dir = path.join(dataDir, 'audio', 'mandarin');
  const text = path.join(dir, 'text');
  if (!fs.existsSync(text)) return [];
  return fs
    .readFileSync(text, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([id]) => id && fs.existsSync(path.join(dir, `${id}.wav`)))
    .map(([id, ...words]) => ({ id, corpus: 'mandarin', wav: path.join(dir, `${id}.wav`), reference: words.join('') }));
}

/** The same clip through a telephone channel: 300–3400 Hz band, 8 kHz, G.711 µ-law. */
export function telephoneVersion(clip: RealClip, workDir: string): string {
  const dest = path.join(workDir, 'tel', `${clip.id}.8k-ulaw.wav`);
  if (fs.existsSync(dest)) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const r = spawnSync('sox', [clip.wav, '-r', '8000', '-e', 'u-law', '-b', '8', dest, 'sinc', '300-3400'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`sox could not make a telephone version of ${clip.id}: ${r.stderr.trim()}`);
  return dest;
}
