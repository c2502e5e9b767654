import type { Module } from '../../platform/module.ts';
import { storeRoutes } from './routes.ts';

export type { StoreRow } from './repo.ts';
export type { StoresTables } from './tables.ts';
export { findOwnedStore, storeOwnerOf } from './service.ts';
export { findRegion, regionChildren, regionLabel, regionPath, type Region } from './regions.ts';
export { maskPhone } from './presenter.ts';

/** Stores (快递驿站/网点) of store owners, and the GB/T 2260 division pickers. */
export const storesModule: Module = {
  name: 'stores',
  register(app, p) {
    storeRoutes(app, p);
  },
};
