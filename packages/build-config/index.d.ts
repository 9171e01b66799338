import type { CodegenConfig } from '@graphql-codegen/cli';
import type { Options } from 'tsup';

export function serviceBundle(): Options;
export function subgraphCodegen(options: { context: string; mappers: Record<string, string> }): CodegenConfig;
