declare module 'kafkajs/src/producer/partitioners/default/murmur2.js' {
  const murmur2: (key: string | Uint8Array) => number
  export default murmur2
}

// kafkajs's own modules, the references kafdo/kafkajs is compared with.
declare module 'kafkajs/src/producer/partitioners/default/index.js' {
  import type { ICustomPartitioner } from 'kafkajs'
  const partitioner: ICustomPartitioner
  export default partitioner
}

declare module 'kafkajs/src/producer/partitioners/legacy/index.js' {
  import type { ICustomPartitioner } from 'kafkajs'
  const partitioner: ICustomPartitioner
  export default partitioner
}

declare module 'kafkajs/src/consumer/assignerProtocol.js' {
  import type { AssignerProtocol } from 'kafkajs'
  const protocol: typeof AssignerProtocol
  export default protocol
}

declare module 'kafkajs/src/retry/index.js' {
  import type { RetryOptions } from 'kafkajs'
  const createRetry: (
    options?: RetryOptions,
  ) => <T>(fn: (bail: (e: Error) => void, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>
  export default createRetry
}
