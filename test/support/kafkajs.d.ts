declare module 'kafkajs/src/producer/partitioners/default/murmur2.js' {
  const murmur2: (key: string | Uint8Array) => number
  export default murmur2
}
