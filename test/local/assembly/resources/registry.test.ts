/**
 * The registry of resource readers: a type is read by the reader the table lists for it, and by
 * nothing else. A reader only this test registers stands in for the next type to be added.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { RESOURCE_READERS } from '../../../../local/assembly/resources';
import { functionReader } from '../../../../local/assembly/resources/lambda';
import { generatedName, literalName, regionalArn, type ResourceReader } from '../../../../local/assembly/resources/reader';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

const WIDGET = 'Test::Widget::Store';

/** Reads a made-up type as a key-value store: named by its StoreName, a URL for Ref, its own ARN, and a table in the spec. */
const widgetReader: ResourceReader = {
  types: [WIDGET],
  physicalId: (resource, stack) => literalName(resource.properties.StoreName) ?? generatedName(stack, resource.logicalId),
  ref: (resource, stack) => `https://widgets.${stack.region}.example/${resource.physicalId}`,
  attributes: {
    Arn: (resource, stack) => regionalArn(stack, 'widgets', `store/${resource.physicalId}`),
  },
  contribute(resources, reading) {
    for (const resource of resources) {
      reading.spec.tables.push({
        logicalId: resource.logicalId,
        tableName: reading.physicalId(resource.logicalId),
        keySchema: [{ AttributeName: reading.resolveString(resource.properties.KeyName), KeyType: 'HASH' }],
        attributeDefinitions: [],
        globalSecondaryIndexes: [],
        localSecondaryIndexes: [],
      });
    }
  },
};

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-registry-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The hand assembly with two widgets (one named, one not) and outputs that mention them. */
function widgetAssembly(name: string): string {
  return editHandTemplate(writeHandAssembly(path.join(tmp, name)), (template) => {
    // The named widget's key names the function, which is read later: names come before properties.
    template.Resources.Named = { Type: WIDGET, Properties: { StoreName: 'inventory', KeyName: { Ref: 'EchoFn' } } };
    template.Resources.Unnamed = { Type: WIDGET, Properties: { KeyName: 'id' } };
    template.Outputs = {
      NamedRef: { Value: { Ref: 'Named' } },
      NamedArn: { Value: { 'Fn::GetAtt': ['Named', 'Arn'] } },
      NamedSize: { Value: { 'Fn::GetAtt': ['Named', 'Size'] } },
      UnnamedRef: { Value: { Ref: 'Unnamed' } },
    };
  });
}

describe('the resource reader registry', () => {
  test('a type registered by a test-only reader gets its physical id, Ref, Fn::GetAtt and contribution in the spec', () => {
    const dir = widgetAssembly('with-reader');

    const app = loadWebSocketApp(dir, undefined, [...RESOURCE_READERS, widgetReader]);

    expect(app.tables).toEqual([
      expect.objectContaining({
        logicalId: 'Named',
        tableName: 'inventory',
        keySchema: [{ AttributeName: 'Hand-EchoFn', KeyType: 'HASH' }],
      }),
      expect.objectContaining({ logicalId: 'Unnamed', tableName: 'Hand-Unnamed', keySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }),
    ]);
    expect(app.outputs).toEqual({
      NamedRef: `https://widgets.${app.region}.example/inventory`,
      NamedArn: `arn:aws:widgets:${app.region}:123456789012:store/inventory`,
      // An attribute the reader does not answer gets the generic answer, from its physical id.
      NamedSize: 'inventory.Size',
      UnnamedRef: `https://widgets.${app.region}.example/Hand-Unnamed`,
    });
  });

  test('without its reader, the type is named by its logical id and contributes nothing', () => {
    const app = loadWebSocketApp(widgetAssembly('without-reader'));

    expect(app.tables).toEqual([]);
    expect(app.outputs).toEqual({
      NamedRef: 'Named',
      NamedArn: `arn:aws:widget:${app.region}:123456789012:Named`,
      NamedSize: 'Named.Size',
      UnnamedRef: 'Unnamed',
    });
  });

  test('readers contribute in the order of the table', () => {
    const seen: string[] = [];
    const spy = (name: string): ResourceReader => ({ types: [`Test::${name}::Thing`], contribute: () => void seen.push(name) });

    loadWebSocketApp(writeHandAssembly(path.join(tmp, 'order')), undefined, [spy('First'), ...RESOURCE_READERS, spy('Last')]);

    expect(seen).toEqual(['First', 'Last']);
  });

  test('two readers for one type are refused, naming the type', () => {
    const dir = writeHandAssembly(path.join(tmp, 'duplicate'));

    expect(() => loadWebSocketApp(dir, undefined, [...RESOURCE_READERS, { ...functionReader }])).toThrow(
      'two resource readers are registered for AWS::Lambda::Function; each type needs exactly one',
    );
  });

  test('the table lists each type once', () => {
    const types = RESOURCE_READERS.flatMap((reader) => reader.types);

    expect(new Set(types).size).toBe(types.length);
  });
});
