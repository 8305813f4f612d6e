// The Kafdo README's "Admin API" example, as written.
import { createAdmin } from '../../../src/index'

export default {
  async fetch(request: Request, env: Env) {
    const admin = createAdmin(env)

    // Create a topic with 3 partitions
    await admin.createTopic({
      topic: 'orders',
      partitions: 3,
      config: {
        'retention.ms': '604800000', // 7 days
      },
    })

    // List all topics
    const topics = await admin.listTopics()
    console.log('Topics:', topics)

    // Describe a topic
    const metadata = await admin.describeTopic('orders')
    console.log('Partitions:', metadata.partitions.length)

    // Add more partitions
    await admin.createPartitions('orders', 6)

    // List consumer groups
    const groups = await admin.listGroups()

    // Describe a consumer group
    const groupInfo = await admin.describeGroup('order-processor')
    console.log('Group state:', groupInfo.state)
    console.log('Members:', groupInfo.members.length)

    // Get partition offsets
    const offsets = await admin.listOffsets('orders')
    for (const [partition, info] of offsets) {
      console.log(`Partition ${partition}: earliest=${info.earliest}, latest=${info.latest}`)
    }

    // Delete a topic
    await admin.deleteTopic('old-topic')

    // Delete a consumer group
    await admin.deleteGroup('old-group')

    await admin.close()

    return new Response('Admin operations complete')
  },
}
