/**
 * kafkajs's logger (`src/loggers/index.js` and `console.js`): levels, namespaces, `logCreator`, the
 * `KAFKAJS_LOG_LEVEL` environment variable where the runtime has one, and JSON lines on the console by
 * default. `warnOnce` is kafdo/kafkajs's: the one warning for a kafkajs option Kafdo accepts and ignores.
 */
import { logLevel } from './constants.js'
import type { LogEntry, Logger, logCreator } from './types/common.js'

const LABELS: Record<number, string> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' }

function environmentLevel(level: logLevel): logLevel {
  const process = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
  const named = (process?.env?.KAFKAJS_LOG_LEVEL ?? '').toUpperCase()
  return Object.hasOwn(logLevel, named) && Number.isNaN(Number(named)) ? logLevel[named as keyof typeof logLevel] : level
}

export const consoleLogCreator: logCreator =
  () =>
  ({ namespace, level, label, log }: LogEntry) => {
    const prefix = namespace ? `[${namespace}] ` : ''
    const message = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` })
    if (level === logLevel.ERROR) console.error(message)
    else if (level === logLevel.WARN) console.warn(message)
    else if (level === logLevel.INFO) console.info(message)
    else if (level === logLevel.DEBUG) console.log(message)
  }

export function createLogger({ level = logLevel.INFO, logCreator = consoleLogCreator }: { level?: logLevel; logCreator?: logCreator }): Logger {
  let rootLevel = environmentLevel(level)
  const write = logCreator(rootLevel)

  const functions = (namespace: string, namespaceLevel: logLevel | null): Logger => {
    const current = () => namespaceLevel ?? rootLevel
    const at =
      (level: logLevel) =>
      (message: string, extra: object = {}): void => {
        if (level > current()) return
        write({ namespace, level, label: LABELS[level]!, log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra } })
      }
    return {
      info: at(logLevel.INFO),
      error: at(logLevel.ERROR),
      warn: at(logLevel.WARN),
      debug: at(logLevel.DEBUG),
      namespace: (name, level) => functions(name, level === undefined ? null : environmentLevel(level)),
      setLogLevel: (level) => {
        rootLevel = level
      },
    }
  }
  return functions('', null)
}

/** Logs `message` as a warning the first time `key` is seen in `seen`. */
export function warnOnce(logger: Logger, seen: Set<string>, key: string, message: string, extra?: object): void {
  if (seen.has(key)) return
  seen.add(key)
  logger.warn(message, extra)
}
