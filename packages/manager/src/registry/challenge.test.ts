import { describe, expect, it } from 'vitest';
import { parseChallenge } from './challenge.ts';

describe('parseChallenge', () => {
  it("reads Docker Hub's bearer challenge, commas inside quotes included", () => {
    expect(
      parseChallenge(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:samalba/my-app:pull,push',
      },
    });
  });

  it('reads unquoted values, spaces and escapes', () => {
    expect(parseChallenge('bearer  realm=http://127.0.0.1:1/token , service="a \\"b\\""')).toEqual({
      scheme: 'bearer',
      params: { realm: 'http://127.0.0.1:1/token', service: 'a "b"' },
    });
  });

  it('reads a Basic challenge and nothing at all', () => {
    expect(parseChallenge('Basic realm="registry"')).toEqual({
      scheme: 'basic',
      params: { realm: 'registry' },
    });
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge('')).toBeUndefined();
  });
});
