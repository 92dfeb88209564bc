export {
  DEFAULT_SOURCE,
  InvalidMessageError,
  dataSchemaOf,
  parseCloudEvent,
  toCloudEvent,
  type ReceivedUserEvent,
  type UserCloudEvent,
} from './cloud-event.js';
