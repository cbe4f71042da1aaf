import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableCpus, cpusFromCpuMax } from './cpus.ts';

describe('usable CPUs', () => {
  it.each([
    ['max 100000', undefined],
    ['200000 100000', 2],
    ['150000 100000', 1],
    ['50000 100000', 1],
    ['400000 100000\n', 4],
    ['garbage', undefined],
  ])('cpu.max %j → %s', (text, cpus) => {
    expect(cpusFromCpuMax(text)).toBe(cpus);
  });

  it('takes a container quota below the host core count', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpumax-'));
    const file = path.join(dir, 'cpu.max');
    fs.writeFileSync(file, '100000 100000');
    expect(availableCpus(file)).toBe(1);
    fs.writeFileSync(file, 'max 100000');
    expect(availableCpus(file)).toBe(os.availableParallelism());
    expect(availableCpus(path.join(dir, 'missing'))).toBe(os.availableParallelism());
    fs.rmSync(dir, { recursive: true });
  });
});
