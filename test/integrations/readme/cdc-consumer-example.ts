// The Kafdo README's MongoDB CDC "Consumer helpers" example, as written, wrapped in a function that gives
// it the `message` to process.
import { processCDCMessage, isInsertEvent, type IntegrationMessage } from '../../../integrations/index'

export async function cdcConsumerExample(message: IntegrationMessage) {
  // Process CDC messages with typed handlers
  await processCDCMessage(message, {
    database: 'mydb',
    collection: 'users',
    groupId: 'cdc-processor',
    onInsert: async (event) => console.log('New document:', event.fullDocument),
    onUpdate: async (event) => console.log('Updated:', event.updateDescription),
    onDelete: async (event) => console.log('Deleted:', event.documentKey),
  })
}

export { isInsertEvent }
