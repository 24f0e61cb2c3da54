// The wire contract in one import: messages and constants, the parsers that never throw,
// language tags and codes, the WAV format and the loopback-host check. Both the server and the extension import from here.

export * from './messages.ts';
export * from './parse.ts';
export * from './languages.ts';
export * from './wav.ts';
export * from './hosts.ts';
