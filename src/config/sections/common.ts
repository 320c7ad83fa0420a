import { z } from 'zod';

/** A port number; 0 asks the OS for a free one (tests use it). */
export const port = z.number().int().min(0).max(65535);
export const host = z.string().min(1);
/** Name of an environment variable that holds a secret. Secrets never sit in the file itself. */
export const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected the name of an environment variable, e.g. ACE_PASSWORD');
/** A duration in milliseconds. */
export const ms = z.number().int().min(0);
/** An IPv4 or IPv6 address literal. */
export const ip = z.union([z.ipv4(), z.ipv6()], { error: 'expected an IPv4 or IPv6 address' });
