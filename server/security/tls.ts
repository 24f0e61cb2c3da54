// Plain HTTP, or HTTPS (and so wss://) when a certificate and key are configured.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { ListenConfig, SecurityConfig } from '../config.ts';

export function createHttpServer(listen: ListenConfig, security: SecurityConfig, handler: http.RequestListener): http.Server {
  // A request (headers and body) must arrive within bodyTimeout; Node checks every second.
  const limits: http.ServerOptions = {
    requestTimeout: security.bodyTimeout * 1000,
    headersTimeout: Math.min(10_000, security.bodyTimeout * 1000),
    keepAliveTimeout: 5000,
    connectionsCheckingInterval: 1000,
    maxHeaderSize: 16 * 1024,
  };
  if (listen.tlsCert && listen.tlsKey) {
    return https.createServer({ ...limits, cert: fs.readFileSync(listen.tlsCert), key: fs.readFileSync(listen.tlsKey) }, handler);
  }
  return http.createServer(limits, handler);
}

export function schemes(listen: ListenConfig): { ws: 'ws' | 'wss'; http: 'http' | 'https' } {
  return listen.tlsCert ? { ws: 'wss', http: 'https' } : { ws: 'ws', http: 'http' };
}
