// A scripted mock-socket server for StreamSession unit tests: records what each connection
// received (JSON texts, raw PCM frames, WAV files), lets the test answer.
import { Server, type Client } from 'mock-socket';

/** A scripted server: records what each connection received, lets the test answer. */
export class FakeServer {
  readonly server: Server;
  readonly connections: { socket: Client; texts: unknown[]; frames: number[][]; wavs: { samples: number }[]; received: ('text' | 'binary')[] }[] = [];
  onText: (socket: Client, msg: Record<string, unknown>) => void = () => {};

  constructor(url: string) {
    this.server = new Server(url);
    this.server.on('connection', (socket) => {
      const conn = { socket, texts: [] as unknown[], frames: [] as number[][], wavs: [] as { samples: number }[], received: [] as ('text' | 'binary')[] };
      this.connections.push(conn);
      socket.on('message', (data) => {
        if (typeof data === 'string') {
          const msg = JSON.parse(data) as Record<string, unknown>;
          conn.texts.push(msg);
          conn.received.push('text');
          this.onText(socket, msg);
        } else {
          const buf = data as ArrayBuffer;
          if (new TextDecoder().decode(buf.slice(0, 4)) === 'RIFF') conn.wavs.push({ samples: (buf.byteLength - 44) / 2 });
          else conn.frames.push(Array.from(new Int16Array(buf)));
          conn.received.push('binary');
        }
      });
    });
  }

  get last() {
    return this.connections[this.connections.length - 1];
  }

  send(msg: object, conn = this.last) {
    conn.socket.send(JSON.stringify(msg));
  }

  stop() {
    this.server.stop();
  }
}

