// The Kafdo README's R2 "Consumer helpers" example, as written, wrapped in a function that gives it the
// `message` to process.
import { processR2Event, isR2ObjectCreated, type IntegrationMessage } from '../../../integrations/index'

export async function r2ConsumerExample(message: IntegrationMessage) {
  // Process R2 events with typed handlers
  await processR2Event(message, {
    bucketFilter: 'my-bucket',
    onObjectCreated: async (event) => {
      console.log('Created:', event.object.key, event.object.size)
    },
    onObjectDeleted: async (event) => {
      console.log('Deleted:', event.key)
    },
  })
}

export { isR2ObjectCreated }
