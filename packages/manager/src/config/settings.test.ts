// The settings reader both programs use: a table read in one pass (a setting sees the whole environment for its
// default), and the value kinds, with the words a bad value gets.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { commaList, describeTable, isOff, isOn, readSettings, readWholeNumber, setting } from './settings.ts';

describe('settings reader', () => {
  const table = {
    port: setting<number>({
      name: 'X_PORT',
      description: 'a port',
      defaultText: '80',
      read: readWholeNumber('X_PORT', 80, 0),
    }),
    // A default that depends on another variable, as OWNCHAT_AUTH's does on OWNCHAT_LISTEN.
    mode: setting<string>({
      name: 'X_MODE',
      description: 'a mode',
      defaultText: 'by X_PORT',
      read: (raw, env) => raw?.trim() || (env.X_PORT?.trim() === '443' ? 'tls' : 'plain'),
    }),
  };

  it('reads every setting of a table from its variable, with the defaults of unset ones', () => {
    expect(readSettings(table, {})).toEqual({ port: 80, mode: 'plain' });
    expect(readSettings(table, { X_PORT: ' 443 ' })).toEqual({ port: 443, mode: 'tls' });
    expect(readSettings(table, { X_PORT: '', X_MODE: 'raw' })).toEqual({ port: 80, mode: 'raw' });
  });

  it('says which variable is wrong and what it expected', () => {
    for (const bad of ['-1', 'many', '1.5']) {
      expect(() => readSettings(table, { X_PORT: bad })).toThrow(ConfigError);
      expect(() => readSettings(table, { X_PORT: bad })).toThrow(
        `X_PORT=${JSON.stringify(bad)} is not valid: expected a whole number ≥ 0`,
      );
    }
  });

  it('lists the rows for --help in the order of the table', () => {
    expect(describeTable(table)).toEqual([
      { name: 'X_PORT', defaultText: '80', description: 'a port' },
      { name: 'X_MODE', defaultText: 'by X_PORT', description: 'a mode' },
    ]);
  });

  it('reads lists and switches as both programs write them', () => {
    expect(commaList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(commaList(undefined)).toEqual([]);
    for (const on of ['1', 'true', 'T', 'yes', ' on ']) expect([isOn(on), isOff(on)]).toEqual([true, false]);
    for (const off of ['0', 'FALSE', 'f', 'no', 'off'])
      expect([isOn(off), isOff(off)]).toEqual([false, true]);
    for (const neither of [undefined, '', 'maybe'])
      expect([isOn(neither), isOff(neither)]).toEqual([false, false]);
  });
});
