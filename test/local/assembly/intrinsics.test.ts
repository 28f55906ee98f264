import { type IntrinsicContext, pseudoParameters, resolveString, resolveValue } from '../../../local/assembly/intrinsics';

const ctx: IntrinsicContext = {
  pseudo: pseudoParameters('eu-west-1', '111122223333', 'MyStack'),
  ref: (id) => (({ Api: 'abc123', Stage: 'dev', Table: 'MyStack-Table', Param: 'p-default' }) as Record<string, string>)[id],
  getAtt: (id, attr) => (id === 'Table' && attr === 'Arn' ? 'arn:aws:dynamodb:eu-west-1:111122223333:table/MyStack-Table' : undefined),
};

describe('intrinsics', () => {
  test('Ref resolves resources, parameters and pseudo parameters', () => {
    expect(resolveString({ Ref: 'Table' }, ctx)).toBe('MyStack-Table');
    expect(resolveString({ Ref: 'Param' }, ctx)).toBe('p-default');
    expect(resolveString({ Ref: 'AWS::Region' }, ctx)).toBe('eu-west-1');
    expect(resolveString({ Ref: 'AWS::URLSuffix' }, ctx)).toBe('amazonaws.com');
    expect(resolveString({ Ref: 'AWS::Partition' }, ctx)).toBe('aws');
  });

  test('Fn::Join builds the WebSocketStage.callbackUrl', () => {
    const callbackUrl = {
      'Fn::Join': [
        '',
        ['https://', { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: 'Stage' }],
      ],
    };
    expect(resolveString(callbackUrl, ctx)).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/dev');
  });

  test('Fn::GetAtt in both list and dotted forms', () => {
    expect(resolveString({ 'Fn::GetAtt': ['Table', 'Arn'] }, ctx)).toMatch(/:table\/MyStack-Table$/);
    expect(resolveString({ 'Fn::GetAtt': 'Table.Arn' }, ctx)).toMatch(/:table\/MyStack-Table$/);
  });

  test('Fn::Sub with pseudo parameters, refs, attributes, variables and escapes', () => {
    expect(resolveString({ 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:${Table}' }, ctx)).toBe(
      'arn:aws:x:eu-west-1:111122223333:MyStack-Table',
    );
    expect(resolveString({ 'Fn::Sub': ['${Name}/${Table.Arn}', { Name: { Ref: 'Stage' } }] }, ctx)).toBe(
      'dev/arn:aws:dynamodb:eu-west-1:111122223333:table/MyStack-Table',
    );
    expect(resolveString({ 'Fn::Sub': '${!Literal}' }, ctx)).toBe('${Literal}');
  });

  test('Fn::Select and Fn::Split', () => {
    expect(resolveString({ 'Fn::Select': [1, ['a', { Ref: 'Stage' }]] }, ctx)).toBe('dev');
    expect(resolveString({ 'Fn::Select': [2, { 'Fn::Split': [':', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] }, ctx)).toBe('dynamodb');
  });

  test('resolveValue walks objects and arrays', () => {
    expect(resolveValue({ a: [{ Ref: 'Stage' }, 1], b: { c: { Ref: 'Api' } } }, ctx)).toEqual({ a: ['dev', 1], b: { c: 'abc123' } });
  });

  test('unknown references and unsupported functions fail with a message naming them', () => {
    expect(() => resolveString({ Ref: 'Nope' }, ctx)).toThrow('Ref to unknown logical id or parameter "Nope"');
    expect(() => resolveString({ 'Fn::GetAtt': ['Nope', 'Arn'] }, ctx)).toThrow('Nope.Arn');
    expect(() => resolveString({ 'Fn::ImportValue': 'x' }, ctx)).toThrow('Fn::ImportValue is not supported');
    expect(() => resolveString({ 'Fn::Select': [5, ['a']] }, ctx)).toThrow('out of range');
  });

  test('partitions change the URL suffix', () => {
    expect(pseudoParameters('cn-north-1', '1', 'S')['AWS::URLSuffix']).toBe('amazonaws.com.cn');
  });
});
