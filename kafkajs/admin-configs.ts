/**
 * kafkajs's `describeConfigs` and `alterConfigs` for topics, over Kafdo's topic config. `alterConfigs` is
 * Kafka's AlterConfigs, which kafkajs sends: not incremental, so a topic keeps only the entries given and
 * every other key goes back to its default (through Kafdo's `PATCH /admin/topics/:topic/config`, with
 * `validateOnly` as its dry run). Broker and broker-logger resources are refused: Kafdo has no brokers.
 */
import { DEFAULT_TOPIC_CONFIG, topicConfigToStrings } from '../src/protocol/topic-config.js'
import { ConfigResourceTypes, ConfigSource } from './constants.js'
import { KafkaJSNonRetriableError, KafkaJSNotImplemented } from './errors.js'
import type { Transport } from './transport.js'
import type { AlterConfigsResponse, ConfigEntries, DescribeConfigResponse, IResourceConfig, ResourceConfigQuery } from './types/admin.js'

const DEFAULTS = topicConfigToStrings(DEFAULT_TOPIC_CONFIG)
const VALID_TYPES = Object.values(ConfigResourceTypes).filter((value) => typeof value === 'number')

function checkResources(
  resources: unknown,
  entries: 'configNames' | 'configEntries',
): asserts resources is Array<ResourceConfigQuery & IResourceConfig> {
  if (!resources || !Array.isArray(resources)) throw new KafkaJSNonRetriableError(`Invalid resources array ${String(resources)}`)
  if (resources.length === 0) throw new KafkaJSNonRetriableError('Resources array cannot be empty')
  const invalidType = resources.find((r: { type?: unknown }) => !VALID_TYPES.includes(r.type as number))
  if (invalidType) throw new KafkaJSNonRetriableError(`Invalid resource type ${String(invalidType.type)}: ${JSON.stringify(invalidType)}`)
  const invalidName = resources.find((r: { name?: unknown }) => !r.name || typeof r.name !== 'string')
  if (invalidName) throw new KafkaJSNonRetriableError(`Invalid resource name ${String(invalidName.name)}: ${JSON.stringify(invalidName)}`)
  if (entries === 'configNames') {
    const invalid = resources.find((r: { configNames?: unknown }) => !Array.isArray(r.configNames) && r.configNames != null)
    if (invalid) throw new KafkaJSNonRetriableError(`Invalid resource configNames ${String(invalid.configNames)}: ${JSON.stringify(invalid)}`)
  } else {
    const invalid = resources.find((r: { configEntries?: unknown }) => !Array.isArray(r.configEntries))
    if (invalid) throw new KafkaJSNonRetriableError(`Invalid resource configEntries ${String(invalid.configEntries)}: ${JSON.stringify(invalid)}`)
    const invalidValue = resources.find((r: IResourceConfig) =>
      r.configEntries.some((e) => typeof e.name !== 'string' || typeof e.value !== 'string'),
    )
    if (invalidValue) throw new KafkaJSNonRetriableError(`Invalid resource config value: ${JSON.stringify(invalidValue)}`)
  }
  const broker = resources.find((r: { type: number }) => r.type !== ConfigResourceTypes.TOPIC)
  if (broker) {
    throw new KafkaJSNotImplemented(
      `Only topic configs exist in Kafdo: broker-level configs (resource type ${ConfigResourceTypes[broker.type] ?? broker.type}, '${broker.name}') cannot be described or altered`,
    )
  }
}

export async function describeConfigs(
  transport: Transport,
  { resources, includeSynonyms }: { resources: ResourceConfigQuery[]; includeSynonyms?: boolean },
): Promise<DescribeConfigResponse> {
  checkResources(resources, 'configNames')
  const described = await Promise.all(
    resources.map(async ({ name, configNames }) => {
      const { config } = await transport.describeTopic(name)
      const configEntries: ConfigEntries[] = Object.entries(config)
        .filter(([key]) => !configNames?.length || configNames.includes(key))
        .map(([configName, configValue]) => {
          const isDefault = DEFAULTS[configName] === configValue
          const configSource = isDefault ? ConfigSource.DEFAULT_CONFIG : ConfigSource.TOPIC_CONFIG
          return {
            configName,
            configValue,
            isDefault,
            configSource,
            isSensitive: false,
            readOnly: false,
            configSynonyms: includeSynonyms ? [{ configName, configValue, configSource }] : [],
          }
        })
      return { configEntries, errorCode: 0, errorMessage: null as unknown as string, resourceName: name, resourceType: ConfigResourceTypes.TOPIC }
    }),
  )
  return { resources: described, throttleTime: 0 }
}

export async function alterConfigs(
  transport: Transport,
  { resources, validateOnly }: { resources: IResourceConfig[]; validateOnly?: boolean },
): Promise<AlterConfigsResponse> {
  checkResources(resources, 'configEntries')
  const altered = await Promise.all(
    resources.map(async ({ name, configEntries }) => {
      const { config } = await transport.describeTopic(name)
      const set = Object.fromEntries(configEntries.map(({ name: key, value }) => [key, value]))
      // Not incremental: what is not given goes back to its default.
      const reset = Object.keys(config).filter((key) => !(key in set))
      if (configEntries.length > 0 || reset.length > 0) {
        await transport.alterTopicConfig(
          name,
          { ...(configEntries.length > 0 ? { set } : {}), ...(reset.length > 0 ? { delete: reset } : {}) },
          validateOnly === true,
        )
      }
      return { errorCode: 0, errorMessage: null, resourceName: name, resourceType: ConfigResourceTypes.TOPIC }
    }),
  )
  return { resources: altered, throttleTime: 0 }
}
