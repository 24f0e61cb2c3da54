// Plain HTTP, or HTTPS (and so wss://) when a certificate and key are configured.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { ServerConfig } from '../config.ts';

export function createHttpServer(config: ServerConfig, handler: http.RequestListener): http.Server {
  if (config.tlsCert && config.tlsKey) {
    return https.createServer({ cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }, handler);
  }
  return http.createServer(handler);
}

export function schemes(config: ServerConfig): { ws: 'ws' | 'wss'; http: 'http' | 'https' } {
  return config.tlsCert ? { ws: 'wss', http: 'https' } : { ws: 'ws', http: 'http' };
}
