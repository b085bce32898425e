package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CpuInfoTest {

    @Test
    void readsTheFirstProcessorsModelAndKernelFlags() {
        Set<String> flags = new TreeSet<>();
        String model = CpuInfo.parse(List.of("processor\t: 0", "model name\t: Intel(R) Xeon(R) Processor",
                "flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni amx_int8 pku", "", "processor\t: 1",
                "model name\t: Other", "flags\t\t: fpu avx512_fp16"), flags, "x86_64");
        assertEquals("Intel(R) Xeon(R) Processor", model);
        assertEquals(Set.of("avx2", "fma", "avx512f", "avx512_vnni", "amx_int8"), flags);
        // ARM's /proc/cpuinfo says Features and has no model name
        Set<String> arm = new TreeSet<>();
        assertEquals("aarch64", CpuInfo.parse(List.of("Features\t: fp asimd asimddp"), arm, "aarch64"));
        assertEquals(Set.of("asimd", "asimddp"), arm);
        assertTrue(CpuInfo.describe().get("cores") instanceof Integer);
    }
}
