// pointers.ts — BASE and USER addresses as types of their own (GLOSSARY: a
// block's BASE is its first byte, USER = BASE + the layout's user offset), so
// one cannot be passed where the other belongs. Both are plain numbers:
// user-space addresses on x86-64 are below 2^47, which a number holds exactly,
// and a bigint on the hot path would cost an allocation per event. These are the
// only conversions; arithmetic on either gives a plain number.

import type { Layout } from './layout';

/** A block's BASE: the address of its first byte, where allocator code works. */
export type BasePtr = number & { readonly __kind: 'base' };
/** A block's USER address: what malloc hands out and free takes. */
export type UserPtr = number & { readonly __kind: 'user' };

/** `address` taken as a BASE: it comes from the allocator's own BASE (an event's field, a freelist link, a slab's carving). */
export const basePtr = (address: number): BasePtr => address as BasePtr;

/** The BASE field of a finding that is in no block. */
export const NO_BASE = basePtr(0);

export const userFromBase = (base: BasePtr, layout: Pick<Layout, 'userOffset'>): UserPtr => (base + layout.userOffset) as UserPtr;
export const baseFromUser = (user: UserPtr, layout: Pick<Layout, 'userOffset'>): BasePtr => (user - layout.userOffset) as BasePtr;
