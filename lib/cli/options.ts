/** Option parsers shared by commands: each names the flag and the allowed range in its error. */
import { InvalidArgumentError } from 'commander';

export function parseIntIn(min: number, max: number, name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`--${name} must be a whole number from ${min} to ${max}.`);
    const n = Number(value);
    if (n < min || n > max) throw new InvalidArgumentError(`--${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };
}

export function parseProbability(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`--${name} must be a number from 0 to 1.`);
    return n;
  };
}
