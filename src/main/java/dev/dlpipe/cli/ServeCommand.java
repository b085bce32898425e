package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.serve.ModelServer;
import dev.dlpipe.serve.ServeSettings;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code dlpipe serve --model EXPORT_DIR}: the exported model over HTTP until SIGTERM or Ctrl-C, which drain the
 * queue before the process ends. No Spark: one JVM, one ONNX Runtime session.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve an export over HTTP: POST /v1/predict with dynamic batching, /healthz, /readyz, /metrics, "
                + "/v1/model, POST /v1/reload (settings: the serve.* keys).")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "EXPORT_DIR", description = "an export output")
    String model;

    @Option(names = "--port", paramLabel = "PORT", description = "= --set serve.port=PORT (default 8080; 0: any free port)")
    Integer port;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "= --set serve.host=ADDRESS (default 127.0.0.1)")
    String host;

    @Mixin
    ConfigOptions configOptions;

    @Override
    public Integer call() throws Exception {
        Config config = configOptions.load(List.of());
        if (port != null) {
            config = config.with("serve.port", port, "--port");
        }
        if (host != null) {
            config = config.with("serve.host", host, "--host");
        }
        if (configOptions.dryRun()) {
            ConfigOptions.print(config);
            return 0;
        }
        ModelServer server = ModelServer.start(model, ServeSettings.from(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "dlpipe-serve-shutdown"));
        System.out.println("serving " + model + " on http://" + config.string("serve.host") + ":" + server.port()
                + "/v1/predict (Ctrl-C or SIGTERM stops it after answering what is queued)");
        stopped.await();
        return 0;
    }
}
