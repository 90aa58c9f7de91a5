// The lint toolchain for eslint.config.js. typescript-eslint needs the TypeScript compiler API
// (TypeScript <= 6.0); the project compiles with TypeScript 7, which has no such API. npm keeps
// TypeScript 6 in this folder's node_modules, but hoists ts-api-utils to the root, where
// `typescript` is 7: every `typescript` request made while linting is sent to TypeScript 6.
import { createRequire } from 'node:module';
import Module from 'node:module';

const require = createRequire(import.meta.url);
const typescript6 = require.resolve('typescript');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'typescript' ? typescript6 : resolve.call(this, request, ...rest);
};

export const { default: js } = await import('@eslint/js');
export const { default: tseslint } = await import('typescript-eslint');
