package dev.dlpipe.cli;

import dev.dlpipe.config.Config;
import dev.dlpipe.config.ConfigKey;
import dev.dlpipe.config.ConfigLoader;
import dev.dlpipe.config.ConfigSchema;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code dlpipe config-reference}: every key with type, default and meaning, as the Markdown table in the README. */
@Command(name = "config-reference", mixinStandardHelpOptions = true,
        description = "Print every configuration key with its type, default and meaning (Markdown).")
public final class ConfigReferenceCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(table());
        return 0;
    }

    public static String table() {
        Config defaults = ConfigLoader.defaults();
        StringBuilder sb = new StringBuilder("| key | type | default | meaning |\n|---|---|---|---|\n");
        for (ConfigKey k : ConfigSchema.keys().values()) {
            String constraint = k.min() != null ? " [" + fmt(k.min()) + ", " + fmt(k.max()) + "]"
                    : k.allowed().isEmpty() ? "" : " (" + String.join(" \\| ", k.allowed()) + ")";
            Object value = defaults.asMap().get(k.name());
            String shown = value instanceof Map<?, ?> m ? (m.isEmpty() ? "none" : m.keySet().size() + " entries in conf/defaults.yaml")
                    : "`" + value + "`";
            sb.append("| `").append(k.name()).append("` | ").append(k.type().name().toLowerCase(java.util.Locale.ROOT))
                    .append(constraint).append(" | ").append(shown).append(" | ").append(k.doc()).append(" |\n");
        }
        return sb.toString();
    }

    private static String fmt(Double d) {
        return d == Math.rint(d) ? String.valueOf(d.longValue()) : String.valueOf(d);
    }
}
