// Store statements per command and collection, counted from the MongoDB driver's command
// monitoring (the connection needs `monitorCommands: true`): what one event costs the store,
// which the analytics lag follows from (docs/performance.md).
import type { mongo } from 'mongoose';

export interface StatementCount {
  command: string;
  collection: string;
  statements: number;
}

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);
/** The commands that read or write documents (not index or collection set-up). */
const DATA_COMMANDS = new Set([...WRITE_COMMANDS, 'find', 'aggregate', 'count', 'distinct']);

/** Counts from now until `stop()`; a bulk command counts each of its statements. */
export function countStatements(client: mongo.MongoClient) {
  const counts = new Map<string, StatementCount>();
  const listener = ({ commandName, command }: mongo.CommandStartedEvent) => {
    if (!DATA_COMMANDS.has(commandName)) return;
    const collection = command[commandName];
    if (typeof collection !== 'string') return;
    const statements = command.updates?.length ?? command.documents?.length ?? command.deletes?.length ?? 1;
    const key = `${commandName} ${collection}`;
    const entry = counts.get(key) ?? { command: commandName, collection, statements: 0 };
    entry.statements += statements;
    counts.set(key, entry);
  };
  client.on('commandStarted', listener);
  return {
    stop(): StatementCount[] {
      client.off('commandStarted', listener);
      return [...counts.values()].sort((a, b) => b.statements - a.statements);
    },
  };
}

const perEvent = (statements: number, events: number) => Math.round((statements / events) * 100) / 100;

/** A bench table's rows: each command and collection per event, then all writes together. */
export function statementRows(counts: readonly StatementCount[], events: number) {
  const writes = counts.filter(({ command }) => WRITE_COMMANDS.has(command)).reduce((sum, { statements }) => sum + statements, 0);
  return [
    ...counts.map(({ command, collection, statements }) => ({ command, collection, 'per event': perEvent(statements, events) })),
    { command: 'all writes', collection: '', 'per event': perEvent(writes, events) },
  ];
}
