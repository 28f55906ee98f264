/**
 * EventBridge: AWS::Events::EventBus (named by its Name, as AWS names it) and AWS::Events::Rule
 * (its bus, event pattern, state and targets), for the local EventBridge to match and deliver.
 */
import type { EventTargetSpec } from '../app-spec';
import { IntrinsicError } from '../intrinsics';
import { findGetAtt } from '../template';
import { LAMBDA_FUNCTION, readFunction } from './lambda';
import {
  generatedName,
  literalName,
  regionalArn,
  type ResourceReader,
  type StackIdentity,
  type StackReading,
  type StackResource,
} from './reader';
import { AssemblyError } from '../assembly-error';

const EVENT_BUS = 'AWS::Events::EventBus';
const RULE = 'AWS::Events::Rule';

/** The bus every account has, which rules and entries without a bus name use. */
export const DEFAULT_EVENT_BUS = 'default';

/** EventBridge's limit on a rule name's length. */
const RULE_NAME_MAX_LENGTH = 64;

/** A bus's name from a name or an ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`), as EventBusName takes either. */
export function eventBusNameOf(nameOrArn: string): string {
  const marker = ':event-bus/';
  return nameOrArn.startsWith('arn:') && nameOrArn.includes(marker)
    ? nameOrArn.slice(nameOrArn.indexOf(marker) + marker.length)
    : nameOrArn;
}

/** `arn:aws:events:<region>:<account>:event-bus/<name>` */
function eventBusArn(stack: StackIdentity, name: string): string {
  return regionalArn(stack, 'events', `event-bus/${name}`);
}

/** A rule's ARN: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another (AWS's format for rules on custom buses). */
function ruleArn(stack: StackIdentity, busName: string, ruleName: string): string {
  return regionalArn(stack, 'events', busName === DEFAULT_EVENT_BUS ? `rule/${ruleName}` : `rule/${busName}/${ruleName}`);
}

export const eventBusReader: ResourceReader = {
  types: [EVENT_BUS],
  physicalId: (resource, stack) => literalName(resource.properties.Name) ?? generatedName(stack, resource.logicalId),
  attributes: {
    Arn: (resource, stack) => eventBusArn(stack, resource.physicalId),
    Name: (resource) => resource.physicalId,
  },
  contribute(resources, reading) {
    // The account's default bus is there whatever the template says.
    reading.spec.eventBuses.push({ name: DEFAULT_EVENT_BUS, arn: eventBusArn(reading.stack, DEFAULT_EVENT_BUS) });
    for (const bus of resources) {
      const name = reading.physicalId(bus.logicalId);
      reading.spec.eventBuses.push({ logicalId: bus.logicalId, name, arn: eventBusArn(reading.stack, name) });
    }
  },
};

export const eventRuleReader: ResourceReader = {
  types: [RULE],
  physicalId: (resource, stack) => literalName(resource.properties.Name) ?? generatedName(stack, resource.logicalId, RULE_NAME_MAX_LENGTH),
  attributes: {
    Arn: (resource, stack, resolve) => ruleArn(stack, busOf(resource.properties.EventBusName, resolve), resource.physicalId),
  },
  // After the functions reader: a target names a function the app already runs, or one read here.
  contribute(resources, reading) {
    for (const rule of resources) {
      const properties = rule.properties;
      const name = reading.physicalId(rule.logicalId);
      const busName = busOf(properties.EventBusName, (value) => reading.resolveString(value));
      const scheduleExpression =
        properties.ScheduleExpression === undefined ? undefined : reading.resolveString(properties.ScheduleExpression);
      if (scheduleExpression !== undefined) {
        reading.spec.warnings.push(
          `rule ${rule.logicalId} runs on a schedule (${scheduleExpression}); the emulator does not run scheduled rules`,
        );
      }
      reading.spec.eventRules.push({
        logicalId: rule.logicalId,
        name,
        arn: ruleArn(reading.stack, busName, name),
        busName,
        state: reading.stringProperty(properties.State, 'ENABLED'),
        eventPattern: eventPattern(rule, reading),
        scheduleExpression,
        targets: (Array.isArray(properties.Targets) ? properties.Targets : []).map((target) => readTarget(rule, target, reading)),
      });
    }
  },
};

/** The bus a rule's EventBusName names (a name, an ARN or a Ref to the bus), or the default bus. */
function busOf(value: unknown, resolve: (value: unknown) => string): string {
  return value === undefined ? DEFAULT_EVENT_BUS : eventBusNameOf(resolve(value));
}

/** The rule's EventPattern: CloudFormation takes it as an object or as JSON text. */
function eventPattern(rule: StackResource, reading: StackReading): unknown {
  const value = rule.properties.EventPattern;
  if (value === undefined) return undefined;
  const resolved = reading.resolveValue(value);
  if (typeof resolved !== 'string') return resolved;
  try {
    return JSON.parse(resolved) as unknown;
  } catch {
    throw new AssemblyError(`rule ${rule.logicalId}: EventPattern is not JSON (${resolved.slice(0, 80)}); EventBridge would refuse it`);
  }
}

/** One of a rule's Targets; a Lambda function target is read as a function the emulator runs. */
function readTarget(rule: StackResource, target: unknown, reading: StackReading): EventTargetSpec {
  const raw = (target ?? {}) as Record<string, unknown>;
  const id = reading.stringProperty(raw.Id, '');
  const arn = reading.resolveString(raw.Arn);
  const transformer =
    raw.InputTransformer === undefined ? undefined : (reading.resolveValue(raw.InputTransformer) as Record<string, unknown>);
  const spec: EventTargetSpec = {
    id,
    arn,
    functionLogicalId: targetFunction(rule, raw.Arn, arn, reading),
    input: raw.Input === undefined ? undefined : reading.resolveString(raw.Input),
    inputPath: raw.InputPath === undefined ? undefined : reading.resolveString(raw.InputPath),
    inputTransformer: transformer && {
      inputPathsMap: (transformer.InputPathsMap ?? {}) as Record<string, string>,
      inputTemplate: typeof transformer.InputTemplate === 'string' ? transformer.InputTemplate : '',
    },
  };
  if (spec.functionLogicalId === undefined) {
    reading.spec.warnings.push(
      `rule ${rule.logicalId}: target ${id} (${arn}) is not a Lambda function of this stack; the emulator delivers only to those`,
    );
  }
  return spec;
}

/** The function of this stack a target's Arn names (`Fn::GetAtt [Fn, Arn]`, or the ARN itself), if it can run here. */
function targetFunction(rule: StackResource, rawArn: unknown, arn: string, reading: StackReading): string | undefined {
  const logicalId =
    findGetAtt(rawArn, (id) => reading.resource(id)?.type === LAMBDA_FUNCTION) ??
    reading
      .resourcesOfType(LAMBDA_FUNCTION)
      .find((fn) => arn === regionalArn(reading.stack, 'lambda', `function:${reading.physicalId(fn.logicalId)}`))?.logicalId;
  if (logicalId === undefined) return undefined;
  try {
    readFunction(reading, logicalId);
    return logicalId;
  } catch (err: unknown) {
    if (!(err instanceof AssemblyError || err instanceof IntrinsicError)) throw err;
    reading.spec.warnings.push(`rule ${rule.logicalId}: target function ${logicalId} cannot run here: ${err.message}`);
    return undefined;
  }
}
