// How one input value is read and checked: the rules every input's parser shares (inputs.ts,
// credentials.ts, extra-registries.ts). Pure: values in, values or an InputError out.
import { InputError } from './errors.js'

/** Reads one input the way the runner passes it; '' when absent. */
export type InputReader = (name: string) => string

// Control characters would end a single-value input early in YAML and break the docker config.
export const CONTROL = /[\u0000-\u001f\u007f]/
const MAX_VALUE_LENGTH = 4096

/**
 * Said with every required secret that arrives empty: GitHub passes an unset secret, and every
 * secret in a pull request from a fork, as an empty string rather than failing the expression.
 */
export const EMPTY_SECRET_HINT =
  'if it comes from a secret, check that the secret exists for this repository (or its organisation or environment): ' +
  'an unset secret, and every secret in a pull request from a fork, reaches the action as an empty string'

/** Splits a list input on newlines and commas, dropping blanks. */
export function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export function required(read: InputReader, name: string, hint?: string): string {
  const value = read(name)
  if (value === '') throw new InputError(name, `is required and was not supplied${hint ? `; ${hint}` : ''}`)
  return bounded(value, name)
}

export function optional<T>(read: InputReader, name: string, parse: (value: string) => T): T | undefined {
  const value = read(name)
  return value === '' ? undefined : parse(bounded(value, name))
}

function bounded(value: string, name: string): string {
  if (value.length > MAX_VALUE_LENGTH) {
    throw new InputError(name, `is ${value.length} characters long; at most ${MAX_VALUE_LENGTH} are accepted`)
  }
  return value
}

export function matching(value: string, name: string, pattern: RegExp, expected: string): string {
  if (!pattern.test(value)) throw new InputError(name, `${expected}; got ${quote(value)}`)
  return value
}

/** Shows a rejected (non-secret) value safely on one line. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value
  return JSON.stringify(shown)
}

/** The YAML 1.2 core-schema booleans, as @actions/core's getBooleanInput accepts them. */
export function parseBoolean(value: string, name: string, fallback: boolean): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `must be true or false; got ${quote(value)}`)
}

export function parseInteger(value: string, name: string, fallback: number, min: number, max: number): number {
  if (value === '') return fallback
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InputError(name, `must be a whole number from ${min} to ${max}; got ${quote(value)}`)
  }
  return Number(value)
}
