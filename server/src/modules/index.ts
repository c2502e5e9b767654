import type { Module } from '../platform/module.ts';

/** Every module of the platform, in registration order. */
export const modules: Module[] = [];
