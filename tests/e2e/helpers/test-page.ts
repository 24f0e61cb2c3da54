// A local web page that plays real speech in a <video>, served over http on 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeWav, joinWithSilence, realClips } from '../../helpers/fixtures.ts';

export interface SpeechTrack {
  wav: Buffer;
  /** Reference transcript of the whole track. */
  text: string;
  seconds: number;
  clipIds: string[];
}

/** Concatenates real speech clips (16 kHz) with pauses, so the server finalizes segments. */
export function makeSpeechTrack(ids: string[], gapSeconds = 1.0, leadSeconds = 0.5): SpeechTrack {
  const all = realClips();
  const clips = ids.map((id) => {
    const c = all.find((x) => x.id === id);
    if (!c) throw new Error(`no speech clip ${id}`);
    return c;
  });
  const lead = new Int16Array(Math.round(leadSeconds * 16000));
  const pcm = joinWithSilence([lead, ...clips.map((c) => c.pcm)], gapSeconds);
  return { wav: encodeWav(pcm), text: clips.map((c) => c.text).join(' '), seconds: pcm.length / 16000, clipIds: ids };
}

/** `video`: the speech plays in a <video> (captions go over it); `audio`: no video at all. */
export type PageMode = 'video' | 'audio';

const PAGE = (title: string, mode: PageMode) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>
  /* Hostile page CSS: the overlay must not be affected by it. */
  * { font-family: "Comic Sans MS", cursive !important; color: lime !important; }
  div { display: none; }
  body { margin: 0; background: #20242b; color: #ddd; font: 16px sans-serif; }
  main { padding: 24px 40px; }
  h1 { margin: 0 0 12px; font-size: 22px; }
  video { display: block; width: 960px; height: 540px; background: #000; }
  #fs { margin-top: 8px; }
</style></head>
<body><main>
  <h1>${title}</h1>
  ${
    mode === 'video'
      ? '<video id="player" src="/speech.wav" poster="/poster.svg" controls playsinline preload="auto"></video>'
      : '<audio id="player" src="/speech.wav" controls preload="auto"></audio>'
  }
  <p id="info">Real speech for the end-to-end test.</p>
  <button id="fs" type="button" onclick="document.getElementById('player').requestFullscreen()">Fullscreen</button>
</main></body></html>`;

const POSTER = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720" viewBox="0 0 1280 720">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1d3557"/><stop offset="1" stop-color="#457b9d"/></linearGradient></defs>
<rect width="1280" height="720" fill="url(#g)"/>
<text x="80" y="120" fill="#f1faee" font-family="sans-serif" font-size="52" font-weight="bold">Famous speeches</text>
<text x="80" y="180" fill="#a8dadc" font-family="sans-serif" font-size="32">Lecture 3 · audio only</text>
<circle cx="640" cy="360" r="90" fill="none" stroke="#f1faee" stroke-width="12" opacity="0.8"/>
<polygon points="612,310 612,410 696,360" fill="#f1faee" opacity="0.8"/>
</svg>`;

export interface TestPageServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the page at `/` (`/?mode=audio`: no video), the track at `/speech.wav` (with Range support), a poster. */
export async function serveTestPage(track: SpeechTrack, title = 'Speech test page'): Promise<TestPageServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      const mode: PageMode = url.searchParams.get('mode') === 'audio' ? 'audio' : 'video';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE(title, mode));
    } else if (url.pathname === '/poster.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(POSTER);
    } else if (url.pathname === '/speech.wav') {
      sendRange(req, res, track.wav, 'audio/wav');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the browser keeps media connections alive otherwise
      }),
  };
}

export function sendRange(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, type: string): void {
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length, 'accept-ranges': 'bytes' }).end(body);
    return;
  }
  const start = m[1] ? Number(m[1]) : 0;
  const end = m[2] ? Math.min(Number(m[2]), body.length - 1) : body.length - 1;
  res
    .writeHead(206, {
      'content-type': type,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${body.length}`,
      'accept-ranges': 'bytes',
    })
    .end(body.subarray(start, end + 1));
}
