import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadWebSocketApp } from '../../../../local/assembly/assembly';
import { LAMBDA_DEFAULTS } from '../../../../local/assembly/resources/lambda';
import { editHandTemplate, writeHandAssembly } from '../../fixtures/hand-assembly';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'switchboard-lambda-reader-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A Node function whose code is the hand assembly's asset. */
function nodeFunction(properties: Record<string, unknown> = {}): {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata: Record<string, unknown>;
} {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: { Runtime: 'nodejs22.x', Code: { S3Bucket: 'b', S3Key: 'k.zip' }, ...properties },
    Metadata: { 'aws:asset:path': 'asset.hand' },
  };
}

describe('AWS::Lambda::Function', () => {
  test("without Timeout and MemorySize a function gets Lambda's defaults; set ones are kept", () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'defaults')), (template) => {
      template.Resources.Sized = nodeFunction({ Timeout: 10, MemorySize: 1024 });
    });

    const app = loadWebSocketApp(dir);

    expect(LAMBDA_DEFAULTS).toEqual({ timeoutSeconds: 3, memorySize: 128 });
    expect(app.functions.get('EchoFn')).toMatchObject({ timeoutSeconds: 3, memorySize: 128 });
    expect(app.functions.get('Sized')).toMatchObject({ timeoutSeconds: 10, memorySize: 1024 });
  });

  test('TracingConfig.Mode Active makes its invocations sampled; PassThrough and none do not', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'tracing')), (template) => {
      template.Resources.Traced = nodeFunction({ TracingConfig: { Mode: 'Active' } });
      template.Resources.PassedThrough = nodeFunction({ TracingConfig: { Mode: 'PassThrough' } });
    });

    const app = loadWebSocketApp(dir);

    expect(app.functions.get('Traced')?.activeTracing).toBe(true);
    expect(app.functions.get('PassedThrough')?.activeTracing).toBe(false);
    expect(app.functions.get('EchoFn')?.activeTracing).toBe(false);
  });

  test('named by FunctionName, else <stack>-<logical id> cut to 64 characters; Ref and Arn give that name', () => {
    const longId = `Publish${'X'.repeat(70)}`;
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'names')), (template) => {
      template.Resources.Named = nodeFunction({ FunctionName: 'my-function' });
      template.Resources[longId] = nodeFunction();
      template.Outputs = {
        NamedRef: { Value: { Ref: 'Named' } },
        NamedArn: { Value: { 'Fn::GetAtt': ['Named', 'Arn'] } },
        EchoRef: { Value: { Ref: 'EchoFn' } },
      };
    });

    const app = loadWebSocketApp(dir);

    expect(app.functions.get('Named')?.functionName).toBe('my-function');
    expect(app.functions.get(longId)?.functionName).toBe(`Hand-${longId}`.slice(0, 64));
    expect(app.functions.get(longId)?.functionName).toHaveLength(64);
    expect(app.outputs).toEqual({
      NamedRef: 'my-function',
      NamedArn: `arn:aws:lambda:${app.region}:123456789012:function:my-function`,
      EchoRef: 'Hand-EchoFn',
    });
  });

  test('functions no route names are served too; a Node one that cannot run is left out with a warning, another runtime silently', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'others')), (template) => {
      template.Resources.Publisher = nodeFunction();
      template.Resources.Zipped = { ...nodeFunction(), Metadata: {} };
      template.Resources.Provider = { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'python3.13', Handler: 'index.handler' } };
    });

    const app = loadWebSocketApp(dir);

    expect([...app.functions.keys()]).toEqual(['EchoFn', 'Publisher']);
    expect(app.warnings).toEqual([
      'function Zipped is not served by the local Lambda Invoke API: function Zipped has no "aws:asset:path" metadata; only asset-bundled code (e.g. NodejsFunction) can run locally',
    ]);
  });

  test('environment variables resolve to local names; one that cannot resolve is left empty, with a warning', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'environment')), (template) => {
      template.Resources.EchoFn.Properties!.Environment = {
        Variables: {
          SELF: { Ref: 'EchoFn' },
          REGION: { 'Fn::Sub': '${AWS::Region}' },
          IMPORTED: { 'Fn::ImportValue': 'elsewhere' },
        },
      };
    });

    const app = loadWebSocketApp(dir);

    expect(app.functions.get('EchoFn')?.environment).toEqual({ SELF: 'Hand-EchoFn', REGION: app.region, IMPORTED: '' });
    expect(app.warnings).toEqual([
      'function EchoFn: environment variable IMPORTED left empty: Fn::ImportValue is not supported by the local emulator',
    ]);
  });

  test('ReservedConcurrentExecutions is read, 0 included, literal or from a parameter; none means the unreserved pool', () => {
    // GIVEN functions reserving 5 (a literal), 0 and 2 (a parameter), and one reserving none
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'reserved')), (template) => {
      template.Parameters = { Reserve: { Default: 2 } };
      template.Resources.Five = nodeFunction({ ReservedConcurrentExecutions: 5 });
      template.Resources.Zero = nodeFunction({ ReservedConcurrentExecutions: 0 });
      template.Resources.FromParameter = nodeFunction({ ReservedConcurrentExecutions: { Ref: 'Reserve' } });
    });

    // WHEN the app is read
    const app = loadWebSocketApp(dir);

    // THEN each function carries its reservation
    expect(app.functions.get('Five')?.reservedConcurrency).toBe(5);
    expect(app.functions.get('Zero')?.reservedConcurrency).toBe(0);
    expect(app.functions.get('FromParameter')?.reservedConcurrency).toBe(2);
    expect(app.functions.get('EchoFn')?.reservedConcurrency).toBeUndefined();
  });

  test('a ReservedConcurrentExecutions that is not a whole number refuses the app, naming the function and the value', () => {
    const dir = editHandTemplate(writeHandAssembly(path.join(tmp, 'bad-reserved')), (template) => {
      template.Resources.EchoFn.Properties!.ReservedConcurrentExecutions = 'lots';
    });

    expect(() => loadWebSocketApp(dir)).toThrow(
      'function EchoFn: ReservedConcurrentExecutions must be a whole number of executions (0 or more); got "lots"',
    );
  });
});
