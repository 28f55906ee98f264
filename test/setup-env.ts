// Tests never reach AWS: the SDK gets dummy credentials and a fixed region, and
// nothing here is a real secret.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
// The SDK warns on every client creation that Node 20 support ends in 2027;
// Lambda runs nodejs24.x, so the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_DEV ??= 'false';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Metrics are EMF lines on stdout; tests that check them turn them back on.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
