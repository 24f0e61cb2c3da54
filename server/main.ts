// `npm run server`: load engines, serve HTTP + WebSocket, shut down gracefully on signals.
import { HELP, parseConfig } from './config.ts';
import { loadEngines } from './engine-loader.ts';
import { createTranscriptionServer, WS_PATH } from './http-server.ts';
import { createLogger } from './log.ts';
import { exposureWarning } from './security/access.ts';
import { schemes } from './security/tls.ts';
import { createTranslationService } from './translate/service.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const log = createLogger(config.quiet);
  const { listen, security } = config;
  const exposure = exposureWarning(listen, security);
  if (exposure) log.warn(exposure);
  if (security.maxConnectionsPerIp >= security.maxSessions) {
    log.warn(`--max-connections-per-ip ${security.maxConnectionsPerIp} is not below --max-sessions ${security.maxSessions}: one client address can take every session`);
  }
  // Each component is given only its own slice of the configuration.
  const engines = await loadEngines(config.engine, log);
  const translation = await createTranslationService(config.translate, log);
  if (translation) log.info(`translation: ${translation.backend.name} (POST /translate, GET /languages)`);
  const server = createTranscriptionServer({ listen, security, session: config.session, pipeline: config.pipeline }, engines, log, translation);
  const address = await server.listen();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const engine = engines.default.info;
  const scheme = schemes(listen);
  process.stdout.write(
    `Transcription server listening on ${scheme.ws}://${host}:${address.port}${WS_PATH} (engine ${engine.name}, model ${engine.model}; health: ${scheme.http}://${host}:${address.port}/health)\n`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return process.exit(1); // a second signal forces the exit
    stopping = true;
    log.info(`${signal}: finishing finals and closing ${server.sessions.size} session(s)`);
    // Cluster hook (issue 17): SIGTERM drains (out of rotation, phrases end, clients move); SIGINT closes at once.
    await (signal === 'SIGTERM' ? server.drain() : server.close());
    await engines.close();
    await translation?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`server failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
