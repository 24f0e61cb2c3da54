// A scripted POST /transcribe for StreamSession unit tests on REST: GET /ws answers 404 (HTTP is
// up, the WebSocket is not), each POST waits until the test answers it.
import { expect } from 'vitest';

export interface Post {
  resolve: (r: Response) => void;
  reject: (e: unknown) => void;
  samples: number;
}

/** `base`: the server's HTTP address, e.g. http://127.0.0.1:7998 (the session's ws://…/ws). */
export function fakeFetch(base: string) {
  const posts: Post[] = [];
  let gets = 0;
  const impl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (!init?.method || init.method === 'GET') {
      gets++;
      expect(String(input)).toBe(`${base}/ws`);
      return new Response('{"detail":"Not Found"}', { status: 404 });
    }
    expect(String(input)).toBe(`${base}/transcribe`);
    const form = init.body as FormData;
    const file = form.get('file') as Blob;
    expect(form.get('language')).toBe('en');
    const samples = (file.size - 44) / 2;
    return new Promise<Response>((resolve, reject) => posts.push({ resolve, reject, samples }));
  }) as typeof fetch;
  const answer = (p: Post, text: string, status = 200) =>
    p.resolve(new Response(JSON.stringify(status === 200 ? { success: true, text, language: 'en' } : { success: false, error: text }), { status }));
  return { impl, posts, answer, gets: () => gets };
}
