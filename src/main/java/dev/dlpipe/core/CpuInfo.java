package dev.dlpipe.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU a measurement ran on, for reports: its model name, core count and the instruction-set flags that decide
 * which integer and float kernels ONNX Runtime and OpenBLAS pick (VNNI makes int8 fast; AVX-512 and AVX2 set the
 * float kernels). From /proc/cpuinfo on Linux; elsewhere only what the JVM knows.
 */
public final class CpuInfo {

    /** The flags that matter for the kernels, in the names /proc/cpuinfo uses. */
    static final Set<String> KERNEL_FLAGS = Set.of("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
            "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_int8", "amx_bf16", "asimd", "asimddp");

    private CpuInfo() {
    }

    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        String model = System.getProperty("os.arch");
        Set<String> flags = new TreeSet<>();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            model = parse(lines, flags, model);
        } catch (IOException | RuntimeException e) {
            // not Linux: the architecture alone
        }
        m.put("model", model);
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("flags", List.copyOf(flags));
        m.put("vnni", flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("asimddp"));
        return m;
    }

    /** Reads the first processor's model name and kernel flags; returns the model name (or {@code fallback}). */
    static String parse(List<String> lines, Set<String> flags, String fallback) {
        String model = fallback;
        boolean modelSeen = false;
        boolean flagsSeen = false;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (!modelSeen && key.equals("model name")) {
                model = value;
                modelSeen = true;
            } else if (!flagsSeen && (key.equals("flags") || key.equals("Features"))) {
                for (String f : value.split("\\s+")) {
                    if (KERNEL_FLAGS.contains(f)) {
                        flags.add(f);
                    }
                }
                flagsSeen = true;
            }
        }
        return model;
    }
}
