// Pages where real sites put their players: a cross-origin iframe, a nested iframe, an open
// shadow root. One loopback server answers as two origins: pages on http://127.0.0.1:P embed
// the player from http://localhost:P (another origin), so the iframe is cross-origin.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendRange, type SpeechTrack } from './test-page.ts';

export interface FramePages {
  /** http://127.0.0.1:P/ — the embedding pages. */
  top: string;
  /** http://localhost:P/ — the player's origin. */
  player: string;
  close(): Promise<void>;
}

const STYLE = `<style>
  body { margin: 0; background: #20242b; color: #ddd; font: 16px/1.5 sans-serif; }
  main { padding: 16px 40px; }
  h1 { margin: 0 0 8px; font-size: 22px; }
  iframe { display: block; border: 0; background: #000; }
  .row { display: flex; gap: 20px; align-items: flex-start; }
</style>`;

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${STYLE}</head><body><main><h1>${title}</h1>${body}</main></body></html>`;

const POSTER = `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720" viewBox="0 0 1280 720">
<rect width="1280" height="720" fill="#2a3d45"/><rect x="0" y="470" width="1280" height="250" fill="#c9d6df"/>
<text x="70" y="130" fill="#f0f4f8" font-family="sans-serif" font-size="54" font-weight="bold">Embedded player</text>
<text x="70" y="195" fill="#a9c1cc" font-family="sans-serif" font-size="30">bright lower third: captions must stay readable</text>
</svg>`;

/** The player alone, filling its frame (as an embed page does). */
const PLAYER = `<!doctype html><html><head><meta charset="utf-8"><title>Player</title>
<style>html, body { margin: 0; height: 100%; background: #000; overflow: hidden; } video { display: block; width: 100vw; height: 100vh; }</style>
</head><body><video id="player" src="/speech.wav" poster="/poster.svg" controls playsinline preload="auto"></video></body></html>`;

function pages(playerOrigin: string): Record<string, string> {
  return {
    '/cross': page(
      'A news article with an embedded lecture',
      `<div class="row">
        <iframe id="frame" src="${playerOrigin}/player" width="854" height="480" allow="fullscreen; autoplay" allowfullscreen></iframe>
        <aside><video id="top-video" src="/speech.wav" width="320" height="180" controls playsinline preload="auto"></video>
        <p>Related clip, on the article's own page.</p>
        <button id="fs-frame" type="button" onclick="document.getElementById('frame').requestFullscreen()">Embed fullscreen</button></aside>
      </div><p>The article text goes on under the player.</p>`,
    ),
    '/nested': page('A course platform (player in a nested iframe)', `<iframe id="outer" src="/middle" width="1000" height="600"></iframe>`),
    '/middle': `<!doctype html><html><head><meta charset="utf-8">${STYLE}</head><body style="background:#33302a"><main>
      <p>Lesson 4 · course frame (same origin), the player inside it comes from another origin.</p>
      <iframe id="inner" src="${playerOrigin}/player" width="854" height="480" allow="fullscreen; autoplay"></iframe></main></body></html>`,
    '/shadow': page(
      'A web-component player (open shadow root)',
      `<lecture-player></lecture-player>
      <script>
        customElements.define('lecture-player', class extends HTMLElement {
          connectedCallback() {
            const root = this.attachShadow({ mode: 'open' });
            root.innerHTML = '<style>video { display: block; width: 960px; height: 540px; background: #000; }</style>' +
              '<video id="player" src="/speech.wav" poster="/poster.svg" controls playsinline preload="auto"></video>';
          }
        });
      </script>`,
    ),
    '/player': PLAYER,
  };
}

export async function serveFramePages(track: SpeechTrack): Promise<FramePages> {
  let html: Record<string, string> = {};
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://x');
    if (pathname === '/speech.wav') sendRange(req, res, track.wav, 'audio/wav');
    else if (pathname === '/poster.svg') res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(POSTER);
    else if (html[pathname]) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html[pathname]);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  html = pages(`http://localhost:${port}`);
  return {
    top: `http://127.0.0.1:${port}/`,
    player: `http://localhost:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
