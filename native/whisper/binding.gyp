# Tab Captions' whisper.cpp addon, built on install from the whisper.cpp sources that the
# smart-whisper npm package ships. WHISPER_MARCH (default "native") picks the SIMD level.
{
  "variables": {
    "wcpp": "<!(node -p \"const p = require('path'); p.relative('.', p.join(p.dirname(require.resolve('smart-whisper')), '..', 'whisper.cpp'))\")",
    "march": "<!(node -p \"process.env.WHISPER_MARCH || 'native'\")"
  },
  "targets": [
    {
      "target_name": "tc_whisper",
      "sources": [
        "addon.cc",
        "<(wcpp)/src/whisper.cpp",
        "<(wcpp)/ggml/src/ggml.c",
        "<(wcpp)/ggml/src/ggml-alloc.c",
        "<(wcpp)/ggml/src/ggml-backend.c",
        "<(wcpp)/ggml/src/ggml-quants.c",
        "<(wcpp)/ggml/src/ggml-aarch64.c"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<(wcpp)/include",
        "<(wcpp)/ggml/include",
        "<(wcpp)/ggml/src"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "_GNU_SOURCE", "NDEBUG"],
      "cflags": ["-O3", "-march=<(march)", "-pthread", "-Wno-unused-function", "-Wno-unused-variable"],
      "cflags_cc": ["-O3", "-march=<(march)", "-pthread", "-fexceptions", "-Wno-unused-function", "-Wno-unused-variable"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CFLAGS": ["-O3"],
        "OTHER_LDFLAGS": ["-framework", "Accelerate"]
      },
      "conditions": [
        ["OS=='mac'", { "defines": ["GGML_USE_ACCELERATE"] }]
      ]
    }
  ]
}
