import type { EnvironmentName, EnvironmentParameters } from '../lib/config.js';
import { devParameters } from './dev.js';
import { prodParameters } from './prod.js';

/** The committed parameter file of each environment, by name. */
export const PARAMETERS: Readonly<Record<EnvironmentName, EnvironmentParameters>> = {
  dev: devParameters,
  prod: prodParameters,
};
