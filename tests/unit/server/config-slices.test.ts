// Each server component receives only its own slice of the configuration: parseConfig fills each
// slice from its flags, each component's parameter type is its slice, and the front door runs
// when it is given nothing but its slices (reading any other setting throws here).
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  parseConfig,
  type AudioInputConfig,
  type ClientLinkConfig,
  type EngineConfig,
  type FrontDoorConfig,
  type ListenConfig,
  type PipelineConfig,
  type SecurityConfig,
  type ServerConfig,
  type ServerSessionConfig,
} from '../../../server/config.ts';
import { loadEngines } from '../../../server/engine-loader.ts';
import { enginesThatNeverRecognize } from '../helpers/fake-engines.ts';
import { createTranscriptionServer, type TranscriptionServer } from '../../../server/http-server.ts';
import { silentLogger } from '../../../server/log.ts';
import type { PipelineOptions } from '../../../server/pipeline.ts';
import type { TranscribeDeps } from '../../../server/rest-transcribe.ts';
import { exposureWarning, hostAllowed, originAllowed, serverHostNames } from '../../../server/security/access.ts';
import { ConnectionGuard, authorizedByHeader, tokenHeaderRefused } from '../../../server/security/guard.ts';
import { createHttpServer, schemes } from '../../../server/security/tls.ts';
import { AudioInput } from '../../../server/session/audio-input.ts';
import { ClientLink } from '../../../server/session/client-link.ts';
import type { ServerSessionDeps } from '../../../server/session/server-session.ts';
import { createTranslationService, type TranslateConfig } from '../../../server/translate/service.ts';
import { registerTranslateRoutes } from '../../../server/translate/translate-http.ts';

vi.mock('../../../server/pipeline.ts', () => ({ TranscriptionPipeline: { create: async () => ({}) } }));

const parse = (argv: string[]) => parseConfig(argv, {}) as ServerConfig;

describe('parseConfig fills each slice from its flags', () => {
  it('puts every setting in the slice of the component that reads it, and nowhere else', () => {
    const c = parse([
      ...['--port', '9001', '--host', '::1', '--tls-cert', 'c.pem', '--tls-key', 'k.pem'],
      ...['--engine', 'sphinx', '--model', 'tiny', '--gpu', 'cuda', '--threads', '3', '--whisper-workers', '2'],
      ...['--token', 'abcdefgh12', '--allowed-origins', 'https://a.example', '--allowed-hosts', 'cap.lan', '--trust-proxy', '--require-origin'],
      ...['--rate-limit', '7', '--init-timeout', '4', '--body-timeout', '6', '--max-connections-per-ip', '2', '--max-sessions', '5'],
      ...['--idle-timeout', '11', '--resume-grace', '12', '--end-silence-ms', '700', '--max-segment', '20'],
      ...['--translate', 'apertium', '--quiet'],
    ]);
    expect(Object.keys(c).sort()).toEqual(['engine', 'listen', 'pipeline', 'quiet', 'security', 'session', 'translate']);
    expect(c.listen).toEqual({ port: 9001, host: '::1', tlsCert: 'c.pem', tlsKey: 'k.pem' });
    expect(c.engine).toEqual({ engine: 'sphinx', model: 'tiny', gpu: 'cuda', threads: 3, whisperWorkers: 2 });
    expect(c.security).toEqual({
      token: 'abcdefgh12',
      allowedOrigins: ['https://a.example'],
      allowedHosts: ['cap.lan'],
      trustProxy: true,
      requireOrigin: true,
      rateLimit: 7,
      initTimeout: 4,
      bodyTimeout: 6,
      maxConnectionsPerIp: 2,
      maxSessions: 5,
      maxMessageBytes: 8 * 1024 * 1024,
      maxPendingMessageBytes: 64 * 1024,
    });
    expect(c.session).toEqual({
      idleTimeout: 11,
      resumeGraceSeconds: 12,
      link: { maxBufferedBytes: 4 * 1024 * 1024, maxProtocolErrors: 200 },
      audio: { maxFrameSeconds: 2, maxWavSeconds: 60, maxBacklogSeconds: 180 },
    });
    expect(c.pipeline).toEqual({ endSilenceMs: 700, maxSegmentSeconds: 20 });
    expect(c.translate).toEqual({ backend: 'apertium', apertiumPairs: undefined });
    expect(c.quiet).toBe(true);
  });
});

describe('each component takes only its slice', () => {
  it('in its parameter types', () => {
    expectTypeOf(loadEngines).parameter(0).toEqualTypeOf<EngineConfig>();
    expectTypeOf(createTranscriptionServer).parameter(0).toEqualTypeOf<FrontDoorConfig>();
    expectTypeOf<keyof FrontDoorConfig>().toEqualTypeOf<'listen' | 'security' | 'session' | 'pipeline'>();
    expectTypeOf(createHttpServer).parameters.toEqualTypeOf<[ListenConfig, SecurityConfig, Parameters<typeof createHttpServer>[2]]>();
    expectTypeOf(schemes).parameter(0).toEqualTypeOf<ListenConfig>();
    expectTypeOf(originAllowed).parameter(1).toEqualTypeOf<SecurityConfig>();
    expectTypeOf(hostAllowed).parameter(1).toEqualTypeOf<SecurityConfig>();
    expectTypeOf(serverHostNames).parameters.toEqualTypeOf<[ListenConfig, SecurityConfig]>();
    expectTypeOf(exposureWarning).parameters.toEqualTypeOf<[ListenConfig, SecurityConfig]>();
    expectTypeOf(tokenHeaderRefused).parameter(1).toEqualTypeOf<SecurityConfig>();
    expectTypeOf(authorizedByHeader).parameter(1).toEqualTypeOf<SecurityConfig>();
    expectTypeOf<ConstructorParameters<typeof ConnectionGuard>[0]>().toEqualTypeOf<SecurityConfig>();
    expectTypeOf(registerTranslateRoutes).parameter(1).toEqualTypeOf<SecurityConfig>();
    expectTypeOf(createTranslationService).parameter(0).toEqualTypeOf<TranslateConfig | undefined>();
    expectTypeOf<TranscribeDeps['security']>().toEqualTypeOf<SecurityConfig>();
    expectTypeOf<TranscribeDeps['pipeline']>().toEqualTypeOf<PipelineConfig>();
    expectTypeOf<ServerSessionDeps['config']>().toEqualTypeOf<ServerSessionConfig>();
    expectTypeOf<ServerSessionDeps['pipeline']>().toEqualTypeOf<PipelineConfig>();
    expectTypeOf<ConstructorParameters<typeof ClientLink>[1]>().toEqualTypeOf<ClientLinkConfig>();
    expectTypeOf<ConstructorParameters<typeof AudioInput>[0]>().toEqualTypeOf<AudioInputConfig>();
    expectTypeOf<PipelineOptions>().toMatchTypeOf<PipelineConfig>();
  });

  let server: TranscriptionServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('at run time: the front door serves when given only its slices', async () => {
    const c = parse(['--port', '0', '--max-sessions', '3']);
    /** A slice whose unknown settings throw when read: a component reaching past its slices fails here. */
    const only = <T extends object>(slice: T, name: string): T =>
      new Proxy(slice, {
        get(target, key, receiver) {
          if (typeof key === 'string' && !(key in target) && key !== 'then' && key !== 'toJSON') {
            throw new Error(`read "${key}", which is not in the ${name} slice`);
          }
          return Reflect.get(target, key, receiver);
        },
      });
    const frontDoor = only({ listen: only(c.listen, 'listen'), security: only(c.security, 'security'), session: only(c.session, 'session'), pipeline: only(c.pipeline, 'pipeline') }, 'front door');
    const engines = enginesThatNeverRecognize();
    server = createTranscriptionServer(frontDoor, engines, silentLogger);
    const address = await server.listen();
    const res = await fetch(`http://127.0.0.1:${address.port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', engine: 'sphinx', maxSessions: 3, sessions: 0 });
  });
});
