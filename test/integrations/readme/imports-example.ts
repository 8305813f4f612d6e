// The Kafdo README's "Integrations" import, as written.
import { KafdoPipeline, createKafdoPipeline, R2EventBridge, createR2EventBridge } from '../../../integrations/index'

export const imported = { KafdoPipeline, createKafdoPipeline, R2EventBridge, createR2EventBridge }
