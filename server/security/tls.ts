// Plain HTTP, or HTTPS (and so wss://) when a certificate and key are configured.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { ServerConfig } from '../config.ts';

export function createHttpServer(config: ServerConfig, handler: http.RequestListener): http.Server {
  // A request (headers and body) must arrive within bodyTimeout; Node checks every second.
  const limits: http.ServerOptions = {
    requestTimeout: config.bodyTimeout * 1000,
    headersTimeout: Math.min(10_000, config.bodyTimeout * 1000),
    keepAliveTimeout: 5000,
    connectionsCheckingInterval: 1000,
    maxHeaderSize: 16 * 1024,
  };
  if (config.tlsCert && config.tlsKey) {
    return https.createServer({ ...limits, cert: fs.readFileSync(config.tlsCert), key: fs.readFileSync(config.tlsKey) }, handler);
  }
  return http.createServer(limits, handler);
}

export function schemes(config: ServerConfig): { ws: 'ws' | 'wss'; http: 'http' | 'https' } {
  return config.tlsCert ? { ws: 'wss', http: 'https' } : { ws: 'ws', http: 'http' };
}
