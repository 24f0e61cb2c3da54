// The wire contract in one import: messages and constants, the parsers that never throw,
// language tags and codes, and the WAV format. Both the server and the extension import from here.

export * from './messages.ts';
export * from './parse.ts';
export * from './languages.ts';
export * from './wav.ts';
