/// The OpenAPI 3.1 document of the gateway's own API, served at `GET /openapi.json`.
enum OpenAPIDocument {
    static let json: String = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Switchyard",
    "version": "1.0.0",
    "summary": "A self-hosted, OpenAI-compatible LLM gateway.",
    "description": "Switchyard's own HTTP API: OpenAI-compatible chat completions and models in front of DeepSeek, Qwen, Kimi, GLM and any OpenAI-compatible upstream; health, readiness and Prometheus metrics; and the admin API for virtual keys and the usage ledger.\n\nThe Anthropic Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`) is a second front door to the same pipeline; its errors have Anthropic's shape `{\"type\":\"error\",\"error\":{\"type\",\"message\"}}`.\n\nEvery other error the gateway answers has OpenAI's shape `{\"error\":{\"message\",\"type\",\"param\",\"code\"}}`; unknown paths get 404 `unknown_url`, other methods on a known path 405 `method_not_allowed`.",
    "license": {
      "name": "See the repository"
    }
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8080",
      "description": "`switchyard serve` (the embedded default)"
    }
  ],
  "tags": [
    {
      "name": "chat",
      "description": "OpenAI-compatible chat completions."
    },
    {
      "name": "messages",
      "description": "The Anthropic Messages API, translated to and from chat completions for any upstream family."
    },
    {
      "name": "embeddings",
      "description": "OpenAI-compatible embeddings, on the same pipeline as chat."
    },
    {
      "name": "files",
      "description": "OpenAI's Files API for batch input files; a file belongs to the key that uploaded it."
    },
    {
      "name": "batches",
      "description": "OpenAI's Batches API, run by the gateway through its own pipeline; a batch belongs to the key that created it."
    },
    {
      "name": "models",
      "description": "The catalog models this gateway serves."
    },
    {
      "name": "operations",
      "description": "Health, readiness, metrics and this document."
    },
    {
      "name": "admin",
      "description": "Virtual keys, usage and every key's batches (admin key required; off while `SWITCHYARD_ADMIN_KEY` is unset)."
    }
  ],
  "paths": {
    "/v1/chat/completions": {
      "post": {
        "tags": [
          "chat"
        ],
        "summary": "Create a chat completion (OpenAI-compatible)",
        "description": "OpenAI's chat completions, streaming (SSE) and not. `model` is any catalog ID or alias, or `auto` (task-aware routing). The gateway checks only the fields below marked as checked; the body is otherwise forwarded byte for byte (unknown fields included), with `model` replaced by the deployment's upstream ID, the `models` extension removed, and `stream_options.include_usage: true` added to streams. Fields the gateway does not check are validated by the upstream.\n\nWith a config file and `auth.required` (the default there), a virtual key is needed (`Authorization: Bearer sy-…` or `x-api-key`); the embedded default and `auth: {required: false}` accept calls without one.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          },
          {
            "$ref": "#/components/parameters/PreferredRegion"
          },
          {
            "$ref": "#/components/parameters/RoutingHint"
          },
          {
            "$ref": "#/components/parameters/CacheDirective"
          }
        ],
        "requestBody": {
          "$ref": "#/components/requestBodies/ChatCompletionRequest"
        },
        "responses": {
          "200": {
            "$ref": "#/components/responses/ChatCompletion200"
          },
          "400": {
            "$ref": "#/components/responses/ChatCompletion400"
          },
          "401": {
            "$ref": "#/components/responses/ChatCompletion401"
          },
          "403": {
            "$ref": "#/components/responses/ChatCompletion403"
          },
          "404": {
            "$ref": "#/components/responses/ChatCompletion404"
          },
          "408": {
            "$ref": "#/components/responses/ChatCompletion408"
          },
          "413": {
            "$ref": "#/components/responses/ChatCompletion413"
          },
          "429": {
            "$ref": "#/components/responses/ChatCompletion429"
          },
          "502": {
            "$ref": "#/components/responses/ChatCompletion502"
          },
          "503": {
            "$ref": "#/components/responses/ChatCompletion503"
          },
          "504": {
            "$ref": "#/components/responses/ChatCompletion504"
          }
        },
        "operationId": "createChatCompletion"
      }
    },
    "/chat/completions": {
      "post": {
        "tags": [
          "chat"
        ],
        "summary": "Create a chat completion (same as /v1/chat/completions)",
        "description": "OpenAI's chat completions, streaming (SSE) and not. `model` is any catalog ID or alias, or `auto` (task-aware routing). The gateway checks only the fields below marked as checked; the body is otherwise forwarded byte for byte (unknown fields included), with `model` replaced by the deployment's upstream ID, the `models` extension removed, and `stream_options.include_usage: true` added to streams. Fields the gateway does not check are validated by the upstream.\n\nWith a config file and `auth.required` (the default there), a virtual key is needed (`Authorization: Bearer sy-…` or `x-api-key`); the embedded default and `auth: {required: false}` accept calls without one.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          },
          {
            "$ref": "#/components/parameters/PreferredRegion"
          },
          {
            "$ref": "#/components/parameters/RoutingHint"
          },
          {
            "$ref": "#/components/parameters/CacheDirective"
          }
        ],
        "requestBody": {
          "$ref": "#/components/requestBodies/ChatCompletionRequest"
        },
        "responses": {
          "200": {
            "$ref": "#/components/responses/ChatCompletion200"
          },
          "400": {
            "$ref": "#/components/responses/ChatCompletion400"
          },
          "401": {
            "$ref": "#/components/responses/ChatCompletion401"
          },
          "403": {
            "$ref": "#/components/responses/ChatCompletion403"
          },
          "404": {
            "$ref": "#/components/responses/ChatCompletion404"
          },
          "408": {
            "$ref": "#/components/responses/ChatCompletion408"
          },
          "413": {
            "$ref": "#/components/responses/ChatCompletion413"
          },
          "429": {
            "$ref": "#/components/responses/ChatCompletion429"
          },
          "502": {
            "$ref": "#/components/responses/ChatCompletion502"
          },
          "503": {
            "$ref": "#/components/responses/ChatCompletion503"
          },
          "504": {
            "$ref": "#/components/responses/ChatCompletion504"
          }
        },
        "operationId": "createChatCompletionUnversioned"
      }
    },
    "/v1/messages": {
      "post": {
        "tags": [
          "messages"
        ],
        "summary": "Create a message (Anthropic Messages API)",
        "description": "Anthropic's Messages API in front of any upstream family: the request is translated into a chat completion and runs the same pipeline as `/v1/chat/completions` (keys, aliases, `auto`, failover, budgets, limits, ledger with `front: messages`, cost headers, metrics); the answer is translated back, whole or as Anthropic's event stream. `anthropic-version` and `anthropic-beta` headers are accepted and not checked. Keys as for chat (`x-api-key` or `Authorization: Bearer`).",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          },
          {
            "$ref": "#/components/parameters/PreferredRegion"
          },
          {
            "$ref": "#/components/parameters/RoutingHint"
          },
          {
            "$ref": "#/components/parameters/CacheDirective"
          }
        ],
        "requestBody": {
          "required": true,
          "description": "A JSON object. Bodies over `server.max_body_bytes` (default 10 MiB) get 413.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/MessagesRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "$ref": "#/components/responses/Messages200"
          },
          "400": {
            "$ref": "#/components/responses/Messages400"
          },
          "401": {
            "$ref": "#/components/responses/Messages401"
          },
          "403": {
            "$ref": "#/components/responses/Messages403"
          },
          "404": {
            "$ref": "#/components/responses/Messages404"
          },
          "408": {
            "$ref": "#/components/responses/Messages408"
          },
          "413": {
            "$ref": "#/components/responses/Messages413"
          },
          "429": {
            "$ref": "#/components/responses/Messages429"
          },
          "502": {
            "$ref": "#/components/responses/Messages502"
          },
          "504": {
            "$ref": "#/components/responses/Messages504"
          },
          "529": {
            "$ref": "#/components/responses/Messages529"
          }
        },
        "operationId": "createMessage"
      }
    },
    "/v1/messages/count_tokens": {
      "post": {
        "tags": [
          "messages"
        ],
        "summary": "Count a Messages request's input tokens",
        "description": "The gateway's estimate of the prompt's tokens, after the same checks as a call (the request translates, the model is served, the key may use it). No model call, no admission, no ledger row.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          }
        ],
        "requestBody": {
          "required": true,
          "description": "A JSON object.",
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/MessagesCountTokensRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "$ref": "#/components/responses/MessagesCountTokens200"
          },
          "400": {
            "$ref": "#/components/responses/Messages400"
          },
          "401": {
            "$ref": "#/components/responses/Messages401"
          },
          "403": {
            "$ref": "#/components/responses/Messages403"
          },
          "404": {
            "$ref": "#/components/responses/Messages404"
          },
          "408": {
            "$ref": "#/components/responses/Messages408"
          },
          "413": {
            "$ref": "#/components/responses/Messages413"
          }
        },
        "operationId": "countMessageTokens"
      }
    },
    "/v1/embeddings": {
      "post": {
        "tags": [
          "embeddings"
        ],
        "operationId": "createEmbeddings",
        "summary": "Create embeddings (OpenAI-compatible)",
        "description": "Routed among the catalog models with the `embeddings` capability, limited by the key's models, RPM, TPM and budget, billed and recorded in the ledger like chat (`front` `embeddings`). The gateway asks the upstream for floats and encodes `base64` itself.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "$ref": "#/components/parameters/RequestID"
          },
          {
            "$ref": "#/components/parameters/PreferredRegion"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/EmbeddingsRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The vectors, in input order.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/EmbeddingList"
                }
              }
            }
          },
          "400": {
            "description": "Malformed JSON (`invalid_json`); a missing or invalid field (`missing_required_parameter`, `invalid_type`, `invalid_value`, `empty_array`; `param` names it); a model that does not create embeddings (`no_capable_model`); an unknown fallback (`model_not_found`, `param` `models[i]`); more inputs than the model takes, or token IDs to a model that takes text (`invalid_request`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The key may not use the model (`model_not_allowed`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "Unknown model (`model_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "408": {
            "description": "The body arrived too slowly (`request_timeout`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body over `max_body_bytes` (`request_too_large`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "429": {
            "description": "Budget used up (`insufficient_quota`), the key over its RPM/TPM, or the upstream's rate limit (`rate_limit_exceeded`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "502": {
            "description": "The upstream failed (`upstream_error`, `upstream_unreachable`, `upstream_bad_response`, …).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "No healthy deployment (`no_healthy_deployment`), the upstream overloaded, or the key store unavailable.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "504": {
            "description": "Upstream timeout (`upstream_timeout`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/files": {
      "post": {
        "tags": [
          "files"
        ],
        "operationId": "uploadFile",
        "summary": "Upload a batch input file",
        "description": "Multipart upload, checked line by line as it streams to disk; the first bad line ends it with a 400 naming the line (counted from 1).",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "requestBody": {
          "required": true,
          "content": {
            "multipart/form-data": {
              "schema": {
                "$ref": "#/components/schemas/FileUpload"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The stored file.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/File"
                }
              }
            }
          },
          "400": {
            "description": "Not multipart/form-data, a missing `file` or `purpose`, a purpose other than `batch`, or a bad line (`invalid_value`, the message names the line; `param` `file`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "408": {
            "description": "The body arrived too slowly (`request_timeout`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The file is larger than 200 MB (`request_too_large`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "get": {
        "tags": [
          "files"
        ],
        "operationId": "listFiles",
        "summary": "List the caller's files, newest first",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 10000
            }
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "description": "A file ID: list the files after it.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "purpose",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The files.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileList"
                }
              }
            }
          },
          "400": {
            "description": "A bad `limit` (`invalid_value`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/files/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The file's ID (`file-…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "file-0123456789abcdefABCDEFgh"
        }
      ],
      "get": {
        "tags": [
          "files"
        ],
        "operationId": "getFile",
        "summary": "One file",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "The file.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/File"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such file for this key (`file_not_found`): another key's files are not found either.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "delete": {
        "tags": [
          "files"
        ],
        "operationId": "deleteFile",
        "summary": "Delete a file",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "Deleted.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/FileDeleted"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such file for this key (`file_not_found`): another key's files are not found either.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/files/{id}/content": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The file's ID (`file-…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "file-0123456789abcdefABCDEFgh"
        }
      ],
      "get": {
        "tags": [
          "files"
        ],
        "operationId": "getFileContent",
        "summary": "A file's content, as uploaded",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "The content.",
            "content": {
              "application/jsonl": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such file for this key (`file_not_found`): another key's files are not found either.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/batches": {
      "post": {
        "tags": [
          "batches"
        ],
        "operationId": "createBatch",
        "summary": "Create a batch",
        "description": "Runs every line of an input file (uploaded with `purpose=batch`) through the gateway's own pipeline as a live call of the caller's key: its models, routing, fallbacks, retries, breakers, RPM/TPM (at most `batch.max_share` of them), budget and ledger. Everything is checked at once: the file is the caller's and every line's `url` is the batch's `endpoint`. The batch starts `validating`; poll `GET /v1/batches/{id}`.\n\n`metadata.switchyard_max_cost_usd` cancels the batch before its cost could pass the amount; `metadata.switchyard_window` (`off_peak`, a daily UTC range `HH:MM-HH:MM`, or `FROM/TO` in ISO 8601) runs its lines only inside the window.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/BatchCreate"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The new batch.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Batch"
                }
              }
            }
          },
          "400": {
            "description": "A missing or bad field (`missing_required_parameter`, `invalid_type`, `invalid_value`; `param` names it): an endpoint other than /v1/chat/completions or /v1/embeddings, a window other than 24h, bad metadata, a file that is not a batch input file, or a line whose url is not the endpoint (the message names the line).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such file for this key (`file_not_found`, `param` `input_file_id`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "The body is larger than 64 KB (`request_too_large`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "get": {
        "tags": [
          "batches"
        ],
        "operationId": "listBatches",
        "summary": "List the caller's batches, newest first",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "At most this many (default 20).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100
            }
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "description": "A batch ID: list the batches after it.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The batches.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BatchList"
                }
              }
            }
          },
          "400": {
            "description": "A bad `limit` (`invalid_value`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/batches/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The batch's ID (`batch_…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "batch_0123456789abcdefABCDEFGH"
        }
      ],
      "get": {
        "tags": [
          "batches"
        ],
        "operationId": "getBatch",
        "summary": "One batch: status, counts, files, usage and cost",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "The batch.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Batch"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such batch for this key (`batch_not_found`): another key's batches are not found either.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/batches/{id}/cancel": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The batch's ID (`batch_…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "batch_0123456789abcdefABCDEFGH"
        }
      ],
      "post": {
        "tags": [
          "batches"
        ],
        "operationId": "cancelBatch",
        "summary": "Cancel a batch",
        "description": "A validating or in-progress batch becomes `cancelling`: the lines in flight finish, the others never run (they go to the error file as `batch_cancelled`), then it is `cancelled`. Cancelling a cancelling or cancelled batch changes nothing.",
        "security": [
          {
            "virtualKey": []
          },
          {
            "virtualKeyHeader": []
          },
          {}
        ],
        "responses": {
          "200": {
            "description": "The batch.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Batch"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong virtual key (`invalid_api_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such batch for this key (`batch_not_found`): another key's batches are not found either.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The batch is finalizing or over: only a validating or in-progress batch can be cancelled (`batch_not_cancellable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/v1/models": {
      "get": {
        "tags": [
          "models"
        ],
        "operationId": "listModels",
        "summary": "List the served models",
        "description": "OpenAI's list shape; each entry adds what the catalog knows and where it is served. Needs no key.",
        "responses": {
          "200": {
            "description": "The served models.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ModelList"
                }
              }
            }
          }
        }
      }
    },
    "/v1/models/{id}": {
      "get": {
        "tags": [
          "models"
        ],
        "operationId": "retrieveModel",
        "summary": "One model, by catalog ID or alias",
        "description": "IDs with a slash work unencoded (`/v1/models/Qwen/Qwen3-32B`) or percent-encoded. Matching ignores case. Needs no key.",
        "parameters": [
          {
            "name": "id",
            "in": "path",
            "required": true,
            "description": "A catalog model ID or alias, e.g. `deepseek-v4-flash` or `Qwen/Qwen3-32B`.",
            "schema": {
              "type": "string",
              "minLength": 1
            },
            "examples": {
              "flash": {
                "value": "deepseek-v4-flash"
              },
              "alias": {
                "value": "qwen3-32b"
              }
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The model.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Model"
                }
              }
            }
          },
          "404": {
            "description": "Not a served model (`model_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/healthz": {
      "get": {
        "tags": [
          "operations"
        ],
        "operationId": "healthz",
        "summary": "Liveness: the process is up",
        "responses": {
          "200": {
            "description": "Always, while the process serves.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "status"
                  ],
                  "properties": {
                    "status": {
                      "const": "ok"
                    }
                  }
                }
              }
            }
          }
        }
      }
    },
    "/readyz": {
      "get": {
        "tags": [
          "operations"
        ],
        "operationId": "readyz",
        "summary": "Readiness: config loaded and at least one deployment healthy",
        "responses": {
          "200": {
            "description": "Ready.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Readiness"
                }
              }
            }
          },
          "503": {
            "description": "No deployment is healthy (breakers open, cooling down or probes failing).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Readiness"
                }
              }
            }
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "tags": [
          "operations"
        ],
        "operationId": "metrics",
        "summary": "Prometheus metrics",
        "description": "The Prometheus text exposition format (version 0.0.4). With `metrics.bearer_token_env` set it needs that token as a bearer token.",
        "responses": {
          "200": {
            "description": "Metrics.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "description": "`metrics.bearer_token_env` is set and the token is missing or wrong (`invalid_metrics_token`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "security": [
          {
            "metricsToken": []
          },
          {}
        ]
      }
    },
    "/openapi.json": {
      "get": {
        "tags": [
          "operations"
        ],
        "operationId": "openapi",
        "summary": "This document",
        "responses": {
          "200": {
            "description": "The OpenAPI 3.1 document of this API.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          }
        }
      }
    },
    "/admin/health": {
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "adminHealth",
        "summary": "Every deployment's breaker, cool-down, load and latency",
        "description": "Needs the admin key, unless `server.public_health: true`.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "One entry per deployment.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DeploymentHealthList"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off: `SWITCHYARD_ADMIN_KEY` is unset (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/reload": {
      "post": {
        "tags": [
          "admin"
        ],
        "operationId": "adminReload",
        "summary": "Re-read the config file the gateway was started with",
        "description": "Like SIGHUP. A valid file applies at once to new calls (models, prices, providers, deployments, routing, timeouts, limits of new connections); calls in flight finish as they started. Settings that need a restart (listen address, store, ledger, access log, `timeouts.connect_ms`) keep their running values and are listed in `needs_restart`. An invalid file is refused with its located error (400 `config_invalid`) and the running config keeps serving.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The file was applied (`status` is `unchanged` when nothing in it changed).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/ReloadResult"
                }
              }
            }
          },
          "400": {
            "description": "The file is invalid or unreadable (`config_invalid`); the message names the file, line and field.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off: `SWITCHYARD_ADMIN_KEY` is unset (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The gateway runs the embedded default: no config file to re-read (`no_config_file`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/key-imports": {
      "post": {
        "tags": [
          "admin"
        ],
        "operationId": "importKeys",
        "summary": "Create many virtual keys at once",
        "description": "One `POST /admin/keys` JSON object per line (JSON Lines; blank lines are skipped but counted), at most 10,000 keys. Every line is validated first and the keys are stored in one transaction: all of them, or none and a 400 naming the first bad line (`Line N: ...`). Each key's secret is in this response only; `line` is its line in the body. `switchyard keys import FILE.csv` sends CSV files through it.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "text/plain": {
              "schema": {
                "type": "string",
                "description": "JSON Lines: one KeyCreate object per line."
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The new keys, each with its line and its secret.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/KeyImportList"
                }
              }
            }
          },
          "400": {
            "description": "A line that is not a valid key (`param` is `line N.field`), no keys, or more than 10,000; nothing was stored.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body over 64 KiB (`request_too_large`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The key store is unavailable (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/keys": {
      "post": {
        "tags": [
          "admin"
        ],
        "operationId": "createKey",
        "summary": "Create a virtual key",
        "description": "The secret (`key`) is in this response only; the store keeps its SHA-256. Unknown fields are rejected.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/KeyCreate"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The new key, with its secret.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/KeyCreated"
                }
              }
            }
          },
          "400": {
            "description": "Invalid JSON, an unknown field, or an invalid value; `param` names the field.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "413": {
            "description": "Body over 64 KiB (`request_too_large`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The key store is unavailable (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "listKeys",
        "summary": "List virtual keys, with their spend in the budget's period",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "Every key (never the secrets or hashes).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/KeyList"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/keys/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The key's ID (`key_…`), not its secret.",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "key_0123456789abcdef"
        }
      ],
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "getKey",
        "summary": "One virtual key",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The key.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Key"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No key with this ID (`key_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      },
      "patch": {
        "tags": [
          "admin"
        ],
        "operationId": "updateKey",
        "summary": "Change a virtual key",
        "description": "Only the fields given change; `null` clears a field (no team, every model, no region, no limit, no budget, no expiry; `name` cannot be cleared). Values are checked as on creation. The secret, the ID and a revocation never change. Other replicas see the change within one sync interval.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The key as changed.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Key"
                }
              }
            }
          },
          "400": {
            "description": "Invalid JSON, no field, an unknown field, or an invalid value; `param` names the field.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No key with this ID (`key_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The key store is unavailable (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        },
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/KeyUpdate"
              }
            }
          }
        }
      },
      "delete": {
        "tags": [
          "admin"
        ],
        "operationId": "revokeKey",
        "summary": "Revoke a virtual key",
        "description": "Refused at once on this replica, by other replicas within one sync interval. Revoking twice is allowed and keeps the first time.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The revoked key.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Key"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No key with this ID (`key_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The key store is unavailable (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/batches": {
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "adminListBatches",
        "summary": "Every key's batches, newest first",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "parameters": [
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "At most this many (default 20).",
            "schema": {
              "type": "integer",
              "minimum": 1,
              "maximum": 100
            }
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "description": "A batch ID: list the batches after it.",
            "schema": {
              "type": "string"
            }
          },
          {
            "name": "key_id",
            "in": "query",
            "required": false,
            "description": "Only this key's batches.",
            "schema": {
              "type": "string"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The batches.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/BatchList"
                }
              }
            }
          },
          "400": {
            "description": "A bad `limit` (`invalid_value`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/batches/{id}": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The batch's ID (`batch_…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "batch_0123456789abcdefABCDEFGH"
        }
      ],
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "adminGetBatch",
        "summary": "One batch of any key",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The batch.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Batch"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such batch (`batch_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/batches/{id}/cancel": {
      "parameters": [
        {
          "name": "id",
          "in": "path",
          "required": true,
          "description": "The batch's ID (`batch_…`).",
          "schema": {
            "type": "string",
            "minLength": 1
          },
          "example": "batch_0123456789abcdefABCDEFGH"
        }
      ],
      "post": {
        "tags": [
          "admin"
        ],
        "operationId": "adminCancelBatch",
        "summary": "Cancel a batch of any key",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "responses": {
          "200": {
            "description": "The batch.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Batch"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "404": {
            "description": "No such batch (`batch_not_found`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "409": {
            "description": "The batch is finalizing or over: only a validating or in-progress batch can be cancelled (`batch_not_cancellable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The store failed (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    },
    "/admin/usage": {
      "get": {
        "tags": [
          "admin"
        ],
        "operationId": "usage",
        "summary": "Ledger totals per group, and the month's projection",
        "description": "Defaults: from the start of this month (UTC) to now, grouped by model. Any other query parameter is a 400.",
        "security": [
          {
            "adminKey": []
          },
          {
            "adminKeyHeader": []
          }
        ],
        "parameters": [
          {
            "name": "from",
            "in": "query",
            "description": "ISO 8601 date or time (`2026-11-01` or `2026-11-01T00:00:00Z`). Default: the start of this month (UTC); must be before `to`.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00))?$"
            },
            "example": "2026-11-01"
          },
          {
            "name": "to",
            "in": "query",
            "description": "ISO 8601 date or time (`2026-11-01` or `2026-11-01T00:00:00Z`). Default: now.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00))?$"
            },
            "example": "2026-11-15"
          },
          {
            "name": "group_by",
            "in": "query",
            "schema": {
              "type": "string",
              "enum": [
                "key",
                "team",
                "model",
                "provider",
                "deployment",
                "day",
                "hour",
                "front",
                "all"
              ],
              "default": "model"
            },
            "description": "`hour` groups by UTC hour (`2026-12-01T13:00Z`), `all` makes one group of every row (totals and percentiles over the range)."
          },
          {
            "name": "key",
            "in": "query",
            "description": "Only this key's requests (its ID, `key_…`); empty: no filter.",
            "schema": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
            }
          },
          {
            "name": "team",
            "in": "query",
            "description": "Only this team's requests; empty: no filter.",
            "schema": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
            }
          },
          {
            "name": "model",
            "in": "query",
            "description": "Only requests served by this catalog model; empty: no filter.",
            "schema": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
            }
          },
          {
            "name": "provider",
            "in": "query",
            "description": "Only requests served by this provider; empty: no filter.",
            "schema": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
            }
          },
          {
            "name": "deployment",
            "in": "query",
            "description": "Only requests served by this deployment; empty: no filter.",
            "schema": {
              "type": "string",
              "maxLength": 256,
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
            }
          },
          {
            "name": "format",
            "in": "query",
            "description": "`csv`: the same report as CSV (`text/csv`), the file the dashboard's usage page downloads and `switchyard usage --csv` prints.",
            "schema": {
              "type": "string",
              "enum": [
                "json",
                "csv"
              ],
              "default": "json"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The usage report (CSV with `format=csv`).",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/UsageReport"
                }
              },
              "text/csv": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "description": "An unknown query parameter, a date that does not parse, `from` not before `to`, or an unknown `group_by`; `param` names it.",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "401": {
            "description": "Missing or wrong admin key (`invalid_admin_key`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "403": {
            "description": "The admin API is off (`admin_disabled`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          },
          "503": {
            "description": "The usage store is unavailable (`store_unavailable`).",
            "headers": {
              "x-should-retry": {
                "$ref": "#/components/headers/XShouldRetry"
              },
              "retry-after": {
                "$ref": "#/components/headers/RetryAfter"
              }
            },
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/Error"
                }
              }
            }
          }
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "virtualKey": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "sy-<32 base-62 characters>",
        "description": "A virtual key, `Authorization: Bearer sy-…`. Required for chat when `auth.required` (the default with a config file)."
      },
      "virtualKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The same virtual key in `x-api-key`."
      },
      "adminKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "The admin key: the value of the environment variable named by `auth.admin_key_env` (`SWITCHYARD_ADMIN_KEY`, 16+ characters). Without it the admin API answers 403 `admin_disabled`."
      },
      "adminKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "The admin key in `x-api-key`."
      },
      "metricsToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The metrics token: the value of the variable named by `metrics.bearer_token_env`, when set (else /metrics is open)."
      }
    },
    "parameters": {
      "RequestID": {
        "name": "x-request-id",
        "in": "header",
        "required": false,
        "description": "Kept when 1-128 printable ASCII characters, else replaced by a new ID.",
        "schema": {
          "type": "string"
        }
      },
      "PreferredRegion": {
        "name": "x-switchyard-region",
        "in": "header",
        "required": false,
        "description": "Preferred region: its deployments are tried first, the others after.",
        "schema": {
          "type": "string"
        }
      },
      "RoutingHint": {
        "name": "x-switchyard-hint",
        "in": "header",
        "required": false,
        "description": "A routing hint for `model: auto`: `reasoning`, `code`, or any word a rule's `when: {hint: …}` names.",
        "schema": {
          "type": "string"
        }
      },
      "CacheDirective": {
        "name": "x-switchyard-cache",
        "in": "header",
        "required": false,
        "description": "The exact-match response cache, when the config enables it for the model: `use` (look up; store the answer on a miss), `refresh` (skip the lookup, store the fresh answer), `no-store` (leave the cache alone). Ignored when the cache is off for the model; any other value is a 400 `invalid_value` (whether or not the cache is on).",
        "schema": {
          "type": "string",
          "enum": ["use", "no-store", "refresh"]
        }
      }
    },
    "headers": {
      "XShouldRetry": {
        "description": "`true` when retrying the same request may succeed, `false` when it will not; absent when unknown.",
        "schema": {
          "type": "string",
          "enum": [
            "true",
            "false"
          ]
        }
      },
      "RetryAfter": {
        "description": "Seconds to wait before retrying.",
        "schema": {
          "type": "string",
          "pattern": "^[0-9]+$"
        }
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "description": "OpenAI's error shape. Every error the gateway answers has it.",
        "required": [
          "error"
        ],
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "message",
              "type",
              "param",
              "code"
            ],
            "properties": {
              "message": {
                "type": "string"
              },
              "type": {
                "type": "string",
                "examples": [
                  "invalid_request_error",
                  "server_error",
                  "rate_limit_error"
                ]
              },
              "param": {
                "type": [
                  "string",
                  "null"
                ],
                "description": "The offending field, e.g. `messages[0].role`."
              },
              "code": {
                "type": [
                  "string",
                  "null"
                ],
                "examples": [
                  "invalid_json",
                  "model_not_found",
                  "upstream_error"
                ]
              }
            }
          }
        }
      },
      "ChatCompletionRequest": {
        "type": "object",
        "description": "OpenAI's chat completion request. The gateway checks `model`, `messages` (an array of at least one object, each with a string `role`), `stream`, `stream_options`, `max_tokens`, `max_completion_tokens` and `models`, and refuses a key present twice at any depth (400 `invalid_json`). Every other field, unknown ones included, is passed to the upstream unchanged and validated there: they are listed with OpenAI's types in their descriptions, not constrained here.",
        "required": [
          "model",
          "messages"
        ],
        "additionalProperties": true,
        "properties": {
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": 64,
            "pattern": "\\S",
            "description": "Checked. A catalog ID or alias (case-insensitive), or `auto`; not only white space, at most 256 bytes of UTF-8 (`maxLength` 64 characters is the bound that holds for any characters).",
            "examples": [
              "deepseek-v4-flash",
              "Qwen/Qwen3-32B",
              "kimi-k2.5",
              "glm-5",
              "auto"
            ]
          },
          "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
              "$ref": "#/components/schemas/ChatMessage"
            },
            "description": "Checked: at least one message, each an object with a string `role`."
          },
          "stream": {
            "type": [
              "boolean",
              "null"
            ],
            "description": "Checked: a boolean or null."
          },
          "stream_options": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": true,
            "description": "Checked: an object or null.",
            "properties": {
              "include_usage": {
                "type": [
                  "boolean",
                  "null"
                ],
                "description": "Checked. Streams always get usage from the upstream; the client gets the usage chunk only when it asked."
              }
            }
          },
          "max_tokens": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 100000000,
            "description": "Checked: a whole number from 0 to 100,000,000 (no fraction or exponent)."
          },
          "max_completion_tokens": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0,
            "maximum": 100000000,
            "description": "Checked, like `max_tokens`; wins over it."
          },
          "models": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 16,
            "items": {
              "type": "string",
              "minLength": 1,
              "maxLength": 64
            },
            "description": "Checked: at most 16 non-empty model IDs of at most 256 bytes each. Models to fall back to, in order (OpenRouter-style); removed before the request goes upstream. An unknown one is a 400 `model_not_found` naming it."
          },
          "temperature": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a number from 0 to 2."
          },
          "top_p": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a number from 0 to 1."
          },
          "n": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: how many choices, an integer."
          },
          "stop": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a string or an array of strings."
          },
          "presence_penalty": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a number from -2 to 2."
          },
          "frequency_penalty": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a number from -2 to 2."
          },
          "seed": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: an integer."
          },
          "user": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a string identifying the end user."
          },
          "logprobs": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a boolean."
          },
          "top_logprobs": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: an integer from 0 to 20."
          },
          "tools": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: an array of tools (`{\"type\":\"function\",\"function\":{\"name\",\"description\",\"parameters\"}}`); tools route `auto` to a coding model."
          },
          "tool_choice": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: `none`, `auto`, `required`, or an object naming a function."
          },
          "parallel_tool_calls": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: a boolean."
          },
          "response_format": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: an object such as `{\"type\":\"json_object\"}` or `{\"type\":\"json_schema\",…}`."
          },
          "reasoning_effort": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. OpenAI: `low`, `medium` or `high`; a reasoning hint for `auto`."
          },
          "thinking": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. DeepSeek, GLM, Kimi: `{\"type\":\"enabled\"}` or `{\"type\":\"disabled\"}`; a reasoning hint for `auto`."
          },
          "enable_thinking": {
            "description": "Not checked by the gateway; passed through to the upstream, which validates it. Qwen: a boolean; a reasoning hint for `auto`."
          }
        }
      },
      "ChatMessage": {
        "type": "object",
        "description": "Checked: an object with a string `role`. The rest is passed through.",
        "required": [
          "role"
        ],
        "additionalProperties": true,
        "properties": {
          "role": {
            "type": "string",
            "description": "Checked: a string. OpenAI's roles are system, user, assistant, tool and developer; any other string is passed through and the upstream decides.",
            "examples": [
              "system",
              "user",
              "assistant",
              "tool",
              "developer"
            ]
          },
          "content": {
            "description": "Not checked; passed through. OpenAI: a string, an array of parts (`text`, `image_url`, `input_audio`, …) or null (an assistant message with tool calls). Images and audio route `auto` to a capable model.",
            "examples": [
              "Hello!",
              [
                {
                  "type": "text",
                  "text": "What is in this image?"
                },
                {
                  "type": "image_url",
                  "image_url": {
                    "url": "https://example.com/cat.png"
                  }
                }
              ]
            ]
          },
          "name": {
            "description": "Not checked; passed through."
          },
          "tool_calls": {
            "description": "Not checked; passed through (assistant messages)."
          },
          "tool_call_id": {
            "description": "Not checked; passed through (tool messages)."
          }
        }
      },
      "ChatCompletion": {
        "type": "object",
        "description": "The upstream's body, unchanged (provider extensions such as `reasoning_content` or `request_id` included).",
        "required": [
          "id",
          "object",
          "created",
          "model",
          "choices"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "object": {
            "const": "chat.completion"
          },
          "created": {
            "type": "integer"
          },
          "model": {
            "type": "string",
            "description": "The upstream's model ID."
          },
          "choices": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "index",
                "message"
              ],
              "properties": {
                "index": {
                  "type": "integer"
                },
                "message": {
                  "type": "object",
                  "required": [
                    "role"
                  ],
                  "properties": {
                    "role": {
                      "type": "string"
                    },
                    "content": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "reasoning_content": {
                      "type": [
                        "string",
                        "null"
                      ]
                    },
                    "tool_calls": {
                      "type": "array",
                      "items": {
                        "type": "object"
                      }
                    }
                  }
                },
                "finish_reason": {
                  "type": [
                    "string",
                    "null"
                  ]
                }
              }
            }
          },
          "usage": {
            "$ref": "#/components/schemas/Usage"
          },
          "system_fingerprint": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "Usage": {
        "type": [
          "object",
          "null"
        ],
        "properties": {
          "prompt_tokens": {
            "type": "integer"
          },
          "completion_tokens": {
            "type": "integer"
          },
          "total_tokens": {
            "type": "integer"
          },
          "prompt_tokens_details": {
            "type": [
              "object",
              "null"
            ]
          },
          "completion_tokens_details": {
            "type": [
              "object",
              "null"
            ]
          },
          "cost_usd": {
            "type": "string",
            "description": "Added by the gateway on a stream's usage chunk: the exact cost as a decimal string."
          }
        }
      },
      "ModelList": {
        "type": "object",
        "required": [
          "object",
          "data"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Model"
            }
          }
        }
      },
      "Model": {
        "type": "object",
        "required": [
          "id",
          "object",
          "created",
          "owned_by",
          "family",
          "context_window",
          "max_output_tokens",
          "capabilities",
          "pricing",
          "regions",
          "aliases"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "object": {
            "const": "model"
          },
          "created": {
            "type": "integer"
          },
          "owned_by": {
            "type": "string"
          },
          "name": {
            "type": "string"
          },
          "family": {
            "type": "string",
            "enum": [
              "deepseek",
              "qwen",
              "kimi",
              "glm",
              "openai"
            ]
          },
          "aliases": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "context_window": {
            "type": "integer",
            "minimum": 1
          },
          "max_output_tokens": {
            "type": "integer",
            "minimum": 1,
            "description": "The output cap reserved against budgets and TPM when a request sets no max_tokens."
          },
          "capabilities": {
            "type": "array",
            "items": {
              "type": "string",
              "enum": [
                "text",
                "vision",
                "audio",
                "video",
                "code",
                "reasoning",
                "chinese",
                "embeddings"
              ]
            }
          },
          "pricing": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/Pricing"
              },
              {
                "type": "null"
              }
            ],
            "description": "null: unpriced, billed as `unknown`."
          },
          "tokens_per_second": {
            "type": [
              "integer",
              "null"
            ]
          },
          "regions": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "notes": {
            "type": "string"
          }
        }
      },
      "Pricing": {
        "type": "object",
        "required": [
          "currency",
          "unit",
          "input",
          "output",
          "cached_input"
        ],
        "properties": {
          "currency": {
            "const": "USD"
          },
          "unit": {
            "const": "1M tokens"
          },
          "input": {
            "$ref": "#/components/schemas/Decimal"
          },
          "output": {
            "$ref": "#/components/schemas/Decimal"
          },
          "cached_input": {
            "$ref": "#/components/schemas/Decimal"
          },
          "source": {
            "type": "string"
          }
        }
      },
      "Decimal": {
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]+)?$",
        "description": "An exact decimal amount in USD, as a string."
      },
      "Readiness": {
        "type": "object",
        "required": [
          "status",
          "deployments",
          "config"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "ready",
              "unavailable"
            ]
          },
          "deployments": {
            "type": "integer",
            "minimum": 0
          },
          "config": {
            "type": "string",
            "description": "Where the configuration came from."
          }
        }
      },
      "ConfigSource": {
        "type": "object",
        "required": [
          "path",
          "sha256",
          "loaded_at"
        ],
        "properties": {
          "path": {
            "type": [
              "string",
              "null"
            ],
            "description": "The config file; null for the embedded default."
          },
          "sha256": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[0-9a-f]{64}$",
            "description": "SHA-256 of the file's bytes as loaded."
          },
          "loaded_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the running config was loaded (start-up or the last reload)."
          }
        }
      },
      "ReloadResult": {
        "type": "object",
        "required": [
          "status",
          "config",
          "applied",
          "needs_restart"
        ],
        "properties": {
          "status": {
            "type": "string",
            "enum": [
              "reloaded",
              "unchanged"
            ]
          },
          "config": {
            "$ref": "#/components/schemas/ConfigSource"
          },
          "applied": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Changes that apply to new calls."
          },
          "needs_restart": {
            "type": "array",
            "items": {
              "type": "string"
            },
            "description": "Changes whose running values are kept until a restart."
          }
        }
      },
      "DeploymentHealthList": {
        "type": "object",
        "required": [
          "version",
          "config",
          "deployments"
        ],
        "properties": {
          "version": {
            "type": "string",
            "description": "The gateway's version."
          },
          "config": {
            "$ref": "#/components/schemas/ConfigSource"
          },
          "deployments": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/DeploymentHealth"
            }
          }
        }
      },
      "DeploymentHealth": {
        "type": "object",
        "required": [
          "deployment",
          "provider",
          "region",
          "healthy",
          "breaker",
          "times_opened",
          "cooling_down_s",
          "cooling_reason",
          "in_flight",
          "successes",
          "failures",
          "latency_ewma_ms",
          "last_error",
          "probe_ok"
        ],
        "properties": {
          "deployment": {
            "type": "string"
          },
          "provider": {
            "type": "string"
          },
          "region": {
            "type": "string"
          },
          "healthy": {
            "type": "boolean"
          },
          "breaker": {
            "type": "string",
            "enum": [
              "closed",
              "half_open",
              "open"
            ]
          },
          "times_opened": {
            "type": "integer",
            "minimum": 0
          },
          "cooling_down_s": {
            "type": [
              "integer",
              "null"
            ]
          },
          "cooling_reason": {
            "type": [
              "string",
              "null"
            ]
          },
          "in_flight": {
            "type": "integer",
            "minimum": 0
          },
          "successes": {
            "type": "integer",
            "minimum": 0
          },
          "failures": {
            "type": "integer",
            "minimum": 0
          },
          "latency_ewma_ms": {
            "type": [
              "integer",
              "null"
            ]
          },
          "last_error": {
            "type": [
              "string",
              "null"
            ]
          },
          "probe_ok": {
            "type": [
              "boolean",
              "null"
            ]
          }
        }
      },
      "KeyCreate": {
        "type": "object",
        "required": [
          "name"
        ],
        "additionalProperties": false,
        "description": "Unknown fields are rejected (a typo never silently means unlimited). Strings are trimmed of spaces and may not contain control characters; null means absent. `budget_period` needs `budget_usd`; `expires_at` must be in the future.",
        "properties": {
          "name": {
            "type": "string",
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$",
            "description": "Required. 1-128 characters once trimmed of spaces, no control characters."
          },
          "team": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "models": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 256,
            "items": {
              "type": "string",
              "minLength": 1,
              "maxLength": 32,
              "description": "A catalog model ID or alias, or a family name (deepseek, qwen, kimi, glm, openai), case-insensitive; anything else is a 400.",
              "examples": [
                "deepseek-v4-flash",
                "qwen"
              ]
            },
            "description": "Catalog model IDs, aliases or family names (deepseek, qwen, kimi, glm, openai); empty or absent: every model."
          },
          "region": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[ \\t\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]*[A-Za-z0-9._-]{1,64}[ \\t\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]*$",
            "description": "Preferred region: letters, digits, '-', '_' and '.', at most 64 (spaces around it are trimmed)."
          },
          "rpm": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000000
          },
          "tpm": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000000000
          },
          "budget_usd": {
            "anyOf": [
              {
                "type": "number",
                "minimum": 0.0001,
                "maximum": 9000000
              },
              {
                "type": "string",
                "pattern": "^(?!0+(\\.0+)?$)(0|[1-9][0-9]{0,5})(\\.[0-9]{1,12})?$"
              },
              {
                "type": "null"
              }
            ],
            "description": "A plain decimal (no exponent) above 0 and at most 9,000,000, as a JSON number or a string (e.g. 25 or \"12.50\"); amounts are kept in picodollars (12 decimals). Needs the usage ledger."
          },
          "budget_period": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "day",
              "month",
              "total",
              null
            ],
            "description": "Default month; needs budget_usd."
          },
          "expires_at": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 40,
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00))?$",
            "description": "A time in the future, ISO 8601 (`2027-01-31T00:00:00Z`, fractional seconds or an offset allowed, or a bare date: midnight UTC). Not together with `expires_in_days`.",
            "examples": [
              "2030-01-31T00:00:00Z"
            ]
          },
          "expires_in_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 36500
          }
        }
      },
      "Key": {
        "type": "object",
        "description": "A virtual key as the admin API shows it: never the secret or its hash.",
        "required": [
          "id",
          "name",
          "team",
          "key_hint",
          "models",
          "region",
          "rpm",
          "tpm",
          "budget_usd",
          "budget_period",
          "expires_at",
          "revoked_at",
          "created_at",
          "status"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^key_"
          },
          "name": {
            "type": "string"
          },
          "team": {
            "type": [
              "string",
              "null"
            ]
          },
          "key_hint": {
            "type": "string",
            "description": "`sy-…` and the secret's last four characters."
          },
          "models": {
            "type": "array",
            "items": {
              "type": "string"
            }
          },
          "region": {
            "type": [
              "string",
              "null"
            ]
          },
          "rpm": {
            "type": [
              "integer",
              "null"
            ]
          },
          "tpm": {
            "type": [
              "integer",
              "null"
            ]
          },
          "budget_usd": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/Decimal"
              },
              {
                "type": "null"
              }
            ]
          },
          "budget_period": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "day",
              "month",
              "total",
              null
            ]
          },
          "spent_usd": {
            "$ref": "#/components/schemas/Decimal"
          },
          "expires_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "revoked_at": {
            "type": [
              "string",
              "null"
            ],
            "format": "date-time"
          },
          "created_at": {
            "type": "string",
            "format": "date-time"
          },
          "status": {
            "type": "string",
            "enum": [
              "active",
              "expired",
              "revoked"
            ]
          }
        }
      },
      "KeyUpdate": {
        "type": "object",
        "additionalProperties": false,
        "description": "The fields to change (at least one); the others keep their values. `null` clears a field, except `name`. Values are checked as on creation: unknown fields are rejected, `budget_period` needs `budget_usd`, `expires_at` must be in the future, `expires_at` and `expires_in_days` exclude each other.",
        "properties": {
          "name": {
            "type": "string",
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$",
            "description": "A new name: 1-128 characters once trimmed of spaces, no control characters; cannot be null."
          },
          "team": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 128,
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$"
          },
          "models": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 256,
            "items": {
              "type": "string",
              "minLength": 1,
              "maxLength": 32,
              "description": "A catalog model ID or alias, or a family name (deepseek, qwen, kimi, glm, openai), case-insensitive; anything else is a 400.",
              "examples": [
                "deepseek-v4-flash",
                "qwen"
              ]
            },
            "description": "Catalog model IDs, aliases or family names (deepseek, qwen, kimi, glm, openai); empty or absent: every model."
          },
          "region": {
            "type": [
              "string",
              "null"
            ],
            "pattern": "^[ \\t\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]*[A-Za-z0-9._-]{1,64}[ \\t\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000]*$",
            "description": "Preferred region: letters, digits, '-', '_' and '.', at most 64 (spaces around it are trimmed)."
          },
          "rpm": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000000
          },
          "tpm": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 10000000000
          },
          "budget_usd": {
            "anyOf": [
              {
                "type": "number",
                "minimum": 0.0001,
                "maximum": 9000000
              },
              {
                "type": "string",
                "pattern": "^(?!0+(\\.0+)?$)(0|[1-9][0-9]{0,5})(\\.[0-9]{1,12})?$"
              },
              {
                "type": "null"
              }
            ],
            "description": "A plain decimal (no exponent) above 0 and at most 9,000,000, as a JSON number or a string (e.g. 25 or \"12.50\"); amounts are kept in picodollars (12 decimals). Needs the usage ledger."
          },
          "budget_period": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "day",
              "month",
              "total",
              null
            ],
            "description": "Default month; needs budget_usd."
          },
          "expires_at": {
            "type": [
              "string",
              "null"
            ],
            "maxLength": 40,
            "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-](0[0-9]|1[0-7]):[0-5][0-9]|[+-]18:00))?$",
            "description": "A time in the future, ISO 8601 (`2027-01-31T00:00:00Z`, fractional seconds or an offset allowed, or a bare date: midnight UTC). Not together with `expires_in_days`.",
            "examples": [
              "2030-01-31T00:00:00Z"
            ]
          },
          "expires_in_days": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 36500
          }
        },
        "minProperties": 1
      },
      "KeyCreated": {
        "allOf": [
          {
            "$ref": "#/components/schemas/Key"
          },
          {
            "type": "object",
            "required": [
              "key"
            ],
            "properties": {
              "key": {
                "type": "string",
                "pattern": "^sy-[0-9A-Za-z]{32}$",
                "description": "The secret, shown once."
              }
            }
          }
        ]
      },
      "KeyImportList": {
        "type": "object",
        "required": [
          "object",
          "data"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "allOf": [
                {
                  "$ref": "#/components/schemas/KeyCreated"
                },
                {
                  "type": "object",
                  "required": [
                    "line"
                  ],
                  "properties": {
                    "line": {
                      "type": "integer",
                      "minimum": 1,
                      "description": "The key's line in the request body."
                    }
                  }
                }
              ]
            }
          }
        }
      },
      "KeyList": {
        "type": "object",
        "required": [
          "object",
          "data"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Key"
            }
          }
        }
      },
      "UsageReport": {
        "type": "object",
        "required": [
          "from",
          "to",
          "group_by",
          "groups",
          "total",
          "month"
        ],
        "properties": {
          "from": {
            "type": "string",
            "format": "date-time"
          },
          "to": {
            "type": "string",
            "format": "date-time"
          },
          "group_by": {
            "type": "string",
            "enum": [
              "key",
              "team",
              "model",
              "provider",
              "deployment",
              "day",
              "hour",
              "front",
              "all"
            ]
          },
          "filters": {
            "type": "object",
            "description": "The filters of the query, when any was given.",
            "additionalProperties": {
              "type": "string"
            }
          },
          "groups": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "group",
                "requests",
                "errors",
                "error_rate",
                "prompt_tokens",
                "completion_tokens",
                "cached_tokens",
                "reasoning_tokens",
                "cost_usd",
                "unpriced_requests",
                "latency_ms"
              ],
              "properties": {
                "group": {
                  "type": "string"
                },
                "requests": {
                  "type": "integer"
                },
                "errors": {
                  "type": "integer"
                },
                "error_rate": {
                  "type": "number"
                },
                "prompt_tokens": {
                  "type": "integer"
                },
                "completion_tokens": {
                  "type": "integer"
                },
                "cached_tokens": {
                  "type": "integer"
                },
                "reasoning_tokens": {
                  "type": "integer"
                },
                "cost_usd": {
                  "$ref": "#/components/schemas/Decimal"
                },
                "unpriced_requests": {
                  "type": "integer"
                },
                "cache_hits": {
                  "type": "integer",
                  "description": "Requests answered from the response cache."
                },
                "cost_saved_usd": {
                  "$ref": "#/components/schemas/Decimal"
                },
                "latency_ms": {
                  "type": "object",
                  "required": [
                    "p50",
                    "p95",
                    "p99"
                  ],
                  "properties": {
                    "p50": {
                      "type": "number"
                    },
                    "p95": {
                      "type": "number"
                    },
                    "p99": {
                      "type": "number"
                    }
                  }
                },
                "ttft_ms": {
                  "type": "object",
                  "description": "Time to the first content chunk, over the group's streamed requests (0 when none).",
                  "required": [
                    "p50",
                    "p95",
                    "p99"
                  ],
                  "properties": {
                    "p50": {
                      "type": "number"
                    },
                    "p95": {
                      "type": "number"
                    },
                    "p99": {
                      "type": "number"
                    }
                  }
                }
              }
            }
          },
          "total": {
            "type": "object",
            "required": [
              "requests",
              "cost_usd"
            ],
            "properties": {
              "requests": {
                "type": "integer"
              },
              "cost_usd": {
                "$ref": "#/components/schemas/Decimal"
              }
            }
          },
          "month": {
            "type": "object",
            "required": [
              "to_date_usd",
              "projected_usd"
            ],
            "properties": {
              "to_date_usd": {
                "$ref": "#/components/schemas/Decimal"
              },
              "projected_usd": {
                "$ref": "#/components/schemas/Decimal"
              }
            }
          }
        }
      },
      "MessagesContentBlock": {
        "type": "object",
        "description": "A content block: `text` (`text`), `image` (`source`: `{type: base64, media_type, data}` or `{type: url, url}`), `tool_use` (`id`, `name`, `input`; assistant turns), `tool_result` (`tool_use_id`, `content` as a string or text blocks, `is_error`; user turns), or `thinking` / `redacted_thinking` (assistant turns, dropped). Any other type, or a field a block type does not have, is refused with 400 naming it. `cache_control` is accepted and has no effect.",
        "required": [
          "type"
        ],
        "properties": {
          "type": {
            "type": "string"
          }
        }
      },
      "MessagesMessage": {
        "type": "object",
        "additionalProperties": false,
        "required": [
          "role",
          "content"
        ],
        "properties": {
          "role": {
            "type": "string",
            "enum": [
              "user",
              "assistant"
            ]
          },
          "content": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "minItems": 1,
                "items": {
                  "$ref": "#/components/schemas/MessagesContentBlock"
                }
              }
            ]
          }
        }
      },
      "MessagesRequest": {
        "type": "object",
        "additionalProperties": false,
        "description": "Anthropic's Messages request, translated into a chat completion (see the README for the field-by-field mapping). A field the translation has no equivalent for is refused with 400 `invalid_request_error` naming it, never dropped.",
        "required": [
          "model",
          "max_tokens",
          "messages"
        ],
        "properties": {
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": "\\S",
            "description": "A catalog ID, alias, or `auto`, as for chat."
          },
          "max_tokens": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100000000
          },
          "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
              "$ref": "#/components/schemas/MessagesMessage"
            }
          },
          "system": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/MessagesContentBlock"
                }
              },
              {
                "type": "null"
              }
            ],
            "description": "A string or `text` blocks: the first, `system`, chat message."
          },
          "stop_sequences": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 16,
            "items": {
              "type": "string",
              "minLength": 1
            },
            "description": "Sent as `stop`."
          },
          "stream": {
            "type": [
              "boolean",
              "null"
            ]
          },
          "temperature": {
            "type": [
              "number",
              "null"
            ],
            "minimum": 0,
            "maximum": 2
          },
          "top_p": {
            "type": [
              "number",
              "null"
            ],
            "minimum": 0,
            "maximum": 2
          },
          "top_k": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0
          },
          "tools": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 512,
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "name",
                "input_schema"
              ],
              "properties": {
                "type": {
                  "type": [
                    "string",
                    "null"
                  ],
                  "enum": [
                    "custom",
                    null
                  ],
                  "description": "Server tools (`web_search_…`, `bash_…`, …) are refused."
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 128
                },
                "description": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "input_schema": {
                  "type": "object",
                  "description": "A JSON Schema: the function's `parameters`."
                },
                "cache_control": {
                  "description": "Accepted; no effect."
                }
              }
            }
          },
          "tool_choice": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "required": [
              "type"
            ],
            "description": "`auto` → `auto`, `any` → `required`, `tool` (with `name`) → that function, `none` → `none`; `disable_parallel_tool_use: true` → `parallel_tool_calls: false`.",
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "auto",
                  "any",
                  "tool",
                  "none"
                ]
              },
              "name": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "disable_parallel_tool_use": {
                "type": [
                  "boolean",
                  "null"
                ]
              },
              "cache_control": {
                "description": "Accepted; no effect."
              }
            }
          },
          "thinking": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "required": [
              "type"
            ],
            "description": "Mapped to the served family's reasoning switch: `thinking: {type}` (DeepSeek, GLM, Kimi), `enable_thinking` (Qwen), `reasoning_effort: medium` (OpenAI, when enabled). `budget_tokens` (required when enabled) is not forwarded.",
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "enabled",
                  "disabled"
                ]
              },
              "budget_tokens": {
                "type": [
                  "integer",
                  "null"
                ],
                "minimum": 1
              }
            }
          },
          "metadata": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "properties": {
              "user_id": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 256,
                "description": "Sent as `user`."
              }
            }
          }
        },
        "examples": [
          {
            "model": "glm-5",
            "max_tokens": 64,
            "messages": [
              {
                "role": "user",
                "content": "Hello"
              }
            ]
          }
        ]
      },
      "MessagesCountTokensRequest": {
        "type": "object",
        "additionalProperties": false,
        "description": "A Messages request without `max_tokens` (accepted when given); `stream` must not be true.",
        "required": [
          "model",
          "messages"
        ],
        "properties": {
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "pattern": "\\S",
            "description": "A catalog ID, alias, or `auto`, as for chat."
          },
          "max_tokens": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100000000
          },
          "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
              "$ref": "#/components/schemas/MessagesMessage"
            }
          },
          "system": {
            "oneOf": [
              {
                "type": "string"
              },
              {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/MessagesContentBlock"
                }
              },
              {
                "type": "null"
              }
            ],
            "description": "A string or `text` blocks: the first, `system`, chat message."
          },
          "stop_sequences": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 16,
            "items": {
              "type": "string",
              "minLength": 1
            },
            "description": "Sent as `stop`."
          },
          "stream": {
            "type": [
              "boolean",
              "null"
            ],
            "enum": [
              false,
              null
            ]
          },
          "temperature": {
            "type": [
              "number",
              "null"
            ],
            "minimum": 0,
            "maximum": 2
          },
          "top_p": {
            "type": [
              "number",
              "null"
            ],
            "minimum": 0,
            "maximum": 2
          },
          "top_k": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 0
          },
          "tools": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 512,
            "items": {
              "type": "object",
              "additionalProperties": false,
              "required": [
                "name",
                "input_schema"
              ],
              "properties": {
                "type": {
                  "type": [
                    "string",
                    "null"
                  ],
                  "enum": [
                    "custom",
                    null
                  ],
                  "description": "Server tools (`web_search_…`, `bash_…`, …) are refused."
                },
                "name": {
                  "type": "string",
                  "minLength": 1,
                  "maxLength": 128
                },
                "description": {
                  "type": [
                    "string",
                    "null"
                  ]
                },
                "input_schema": {
                  "type": "object",
                  "description": "A JSON Schema: the function's `parameters`."
                },
                "cache_control": {
                  "description": "Accepted; no effect."
                }
              }
            }
          },
          "tool_choice": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "required": [
              "type"
            ],
            "description": "`auto` → `auto`, `any` → `required`, `tool` (with `name`) → that function, `none` → `none`; `disable_parallel_tool_use: true` → `parallel_tool_calls: false`.",
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "auto",
                  "any",
                  "tool",
                  "none"
                ]
              },
              "name": {
                "type": [
                  "string",
                  "null"
                ]
              },
              "disable_parallel_tool_use": {
                "type": [
                  "boolean",
                  "null"
                ]
              },
              "cache_control": {
                "description": "Accepted; no effect."
              }
            }
          },
          "thinking": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "required": [
              "type"
            ],
            "description": "Mapped to the served family's reasoning switch: `thinking: {type}` (DeepSeek, GLM, Kimi), `enable_thinking` (Qwen), `reasoning_effort: medium` (OpenAI, when enabled). `budget_tokens` (required when enabled) is not forwarded.",
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "enabled",
                  "disabled"
                ]
              },
              "budget_tokens": {
                "type": [
                  "integer",
                  "null"
                ],
                "minimum": 1
              }
            }
          },
          "metadata": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": false,
            "properties": {
              "user_id": {
                "type": [
                  "string",
                  "null"
                ],
                "maxLength": 256,
                "description": "Sent as `user`."
              }
            }
          }
        },
        "examples": [
          {
            "model": "glm-5",
            "messages": [
              {
                "role": "user",
                "content": "Hello"
              }
            ]
          }
        ]
      },
      "MessagesError": {
        "type": "object",
        "description": "Anthropic's error shape, for the Messages door: 400 and 413 `invalid_request_error`, 401 `authentication_error`, 403 `permission_error`, 404 `not_found_error`, 429 `rate_limit_error`, 529 `overloaded_error` (the gateway's 503s), other 5xx `api_error`.",
        "required": [
          "type",
          "error"
        ],
        "properties": {
          "type": {
            "const": "error"
          },
          "error": {
            "type": "object",
            "required": [
              "type",
              "message"
            ],
            "properties": {
              "type": {
                "type": "string",
                "enum": [
                  "invalid_request_error",
                  "authentication_error",
                  "permission_error",
                  "not_found_error",
                  "rate_limit_error",
                  "api_error",
                  "overloaded_error"
                ]
              },
              "message": {
                "type": "string"
              }
            }
          }
        }
      },
      "Message": {
        "type": "object",
        "description": "The answer as a Messages `message`: `thinking` (from `reasoning_content`), `text` and `tool_use` (arguments parsed into `input`) blocks; `stop_reason` from `finish_reason`; usage with `input_tokens` net of `cache_read_input_tokens`.",
        "required": [
          "id",
          "type",
          "role",
          "model",
          "content",
          "stop_reason",
          "stop_sequence",
          "usage"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "type": {
            "const": "message"
          },
          "role": {
            "const": "assistant"
          },
          "model": {
            "type": "string"
          },
          "content": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "type"
              ],
              "properties": {
                "type": {
                  "type": "string",
                  "enum": [
                    "text",
                    "thinking",
                    "tool_use"
                  ]
                }
              }
            }
          },
          "stop_reason": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "end_turn",
              "max_tokens",
              "stop_sequence",
              "tool_use",
              "refusal",
              null
            ]
          },
          "stop_sequence": {
            "type": [
              "string",
              "null"
            ]
          },
          "usage": {
            "type": "object",
            "required": [
              "input_tokens",
              "output_tokens"
            ],
            "properties": {
              "input_tokens": {
                "type": "integer",
                "minimum": 0
              },
              "output_tokens": {
                "type": "integer",
                "minimum": 0
              },
              "cache_read_input_tokens": {
                "type": "integer",
                "minimum": 0
              },
              "cache_creation_input_tokens": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        }
      },
      "EmbeddingsRequest": {
        "type": "object",
        "required": [
          "model",
          "input"
        ],
        "description": "OpenAI's embeddings request. Fields other than these (`user`, …) are passed to the upstream unchecked; null reads as absent.",
        "properties": {
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": 256,
            "description": "A catalog model with the `embeddings` capability (ID or alias), or `auto`.",
            "example": "text-embedding-v4"
          },
          "input": {
            "description": "A string, an array of strings, an array of token IDs, or an array of token arrays (at most 2,048 items).",
            "oneOf": [
              {
                "type": "string",
                "minLength": 1
              },
              {
                "type": "array",
                "minItems": 1,
                "maxItems": 2048,
                "items": {
                  "type": "string",
                  "minLength": 1
                }
              },
              {
                "type": "array",
                "minItems": 1,
                "items": {
                  "type": "integer",
                  "minimum": 0,
                  "maximum": 10000000
                },
                "maxItems": 2048
              },
              {
                "type": "array",
                "minItems": 1,
                "maxItems": 2048,
                "items": {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 10000000
                  }
                }
              }
            ],
            "example": [
              "first text",
              "second text"
            ]
          },
          "encoding_format": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "float",
              "base64",
              null
            ],
            "description": "`base64`: little-endian 32-bit floats. Default (absent or null) `float`."
          },
          "dimensions": {
            "type": [
              "integer",
              "null"
            ],
            "minimum": 1,
            "maximum": 8192
          },
          "models": {
            "type": [
              "array",
              "null"
            ],
            "maxItems": 16,
            "items": {
              "type": "string",
              "minLength": 1,
              "maxLength": 256
            },
            "description": "Fallback models, tried in order."
          }
        }
      },
      "EmbeddingList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "model",
          "usage"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "object",
                "index",
                "embedding"
              ],
              "properties": {
                "object": {
                  "const": "embedding"
                },
                "index": {
                  "type": "integer",
                  "minimum": 0
                },
                "embedding": {
                  "oneOf": [
                    {
                      "type": "array",
                      "items": {
                        "type": "number"
                      }
                    },
                    {
                      "type": "string"
                    }
                  ]
                }
              }
            }
          },
          "model": {
            "type": "string"
          },
          "usage": {
            "type": "object",
            "required": [
              "prompt_tokens",
              "total_tokens"
            ],
            "properties": {
              "prompt_tokens": {
                "type": "integer",
                "minimum": 0
              },
              "total_tokens": {
                "type": "integer",
                "minimum": 0
              }
            }
          }
        }
      },
      "File": {
        "type": "object",
        "required": [
          "id",
          "object",
          "bytes",
          "created_at",
          "filename",
          "purpose",
          "status"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^file-[0-9A-Za-z]{24}$"
          },
          "object": {
            "const": "file"
          },
          "bytes": {
            "type": "integer",
            "minimum": 0
          },
          "created_at": {
            "type": "integer"
          },
          "filename": {
            "type": "string"
          },
          "purpose": {
            "type": "string"
          },
          "status": {
            "type": "string"
          },
          "status_details": {
            "type": [
              "string",
              "null"
            ]
          }
        }
      },
      "FileList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/File"
            }
          },
          "first_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "last_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "has_more": {
            "type": "boolean"
          }
        }
      },
      "FileDeleted": {
        "type": "object",
        "required": [
          "id",
          "object",
          "deleted"
        ],
        "properties": {
          "id": {
            "type": "string"
          },
          "object": {
            "const": "file"
          },
          "deleted": {
            "type": "boolean"
          }
        }
      },
      "FileUpload": {
        "type": "object",
        "required": [
          "file",
          "purpose"
        ],
        "properties": {
          "file": {
            "type": "string",
            "format": "binary",
            "description": "A batch input file: one JSON request per line, `{\"custom_id\",\"method\":\"POST\",\"url\",\"body\"}`; up to 200 MB and 50,000 lines."
          },
          "purpose": {
            "type": "string",
            "enum": [
              "batch"
            ]
          }
        }
      },
      "BatchCreate": {
        "type": "object",
        "required": [
          "input_file_id",
          "endpoint",
          "completion_window"
        ],
        "properties": {
          "input_file_id": {
            "type": "string",
            "description": "A file the caller uploaded with `purpose=batch`."
          },
          "endpoint": {
            "type": "string",
            "enum": [
              "/v1/chat/completions",
              "/v1/embeddings"
            ]
          },
          "completion_window": {
            "type": "string",
            "enum": [
              "24h"
            ]
          },
          "metadata": {
            "type": [
              "object",
              "null"
            ],
            "maxProperties": 16,
            "propertyNames": {
              "minLength": 1,
              "maxLength": 64
            },
            "additionalProperties": {
              "type": "string",
              "maxLength": 512
            },
            "description": "Up to 16 string pairs. `switchyard_max_cost_usd` (an amount such as \"2.50\") and `switchyard_window` (`off_peak`, `22:00-06:00`, or `2026-12-01T22:00:00Z/2026-12-02T06:00:00Z`) are read by the gateway."
          },
          "output_expires_after": {
            "type": [
              "object",
              "null"
            ],
            "description": "Accepted and not used: output files live until deleted."
          }
        },
        "additionalProperties": false
      },
      "BatchError": {
        "type": "object",
        "required": [
          "code",
          "message"
        ],
        "properties": {
          "code": {
            "type": "string"
          },
          "message": {
            "type": "string"
          },
          "param": {
            "type": [
              "string",
              "null"
            ]
          },
          "line": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "Batch": {
        "type": "object",
        "required": [
          "id",
          "object",
          "endpoint",
          "errors",
          "input_file_id",
          "completion_window",
          "status",
          "output_file_id",
          "error_file_id",
          "created_at",
          "in_progress_at",
          "expires_at",
          "finalizing_at",
          "completed_at",
          "failed_at",
          "expired_at",
          "cancelling_at",
          "cancelled_at",
          "request_counts",
          "metadata",
          "usage"
        ],
        "properties": {
          "id": {
            "type": "string",
            "pattern": "^batch_[0-9A-Za-z]{24}$"
          },
          "object": {
            "const": "batch"
          },
          "endpoint": {
            "type": "string"
          },
          "errors": {
            "oneOf": [
              {
                "type": "null"
              },
              {
                "type": "object",
                "required": [
                  "object",
                  "data"
                ],
                "properties": {
                  "object": {
                    "const": "list"
                  },
                  "data": {
                    "type": "array",
                    "items": {
                      "$ref": "#/components/schemas/BatchError"
                    }
                  }
                }
              }
            ],
            "description": "Why the batch failed, was cancelled by the gateway (`max_cost_reached`, `key_revoked`), or is waiting (`budget_exhausted`, `rate_limited`, `waiting_for_window`: present only while it waits)."
          },
          "input_file_id": {
            "type": "string"
          },
          "completion_window": {
            "type": "string"
          },
          "status": {
            "type": "string",
            "enum": [
              "validating",
              "failed",
              "in_progress",
              "finalizing",
              "completed",
              "expired",
              "cancelling",
              "cancelled"
            ]
          },
          "output_file_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "error_file_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "created_at": {
            "type": "integer"
          },
          "in_progress_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "expires_at": {
            "type": "integer"
          },
          "finalizing_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "completed_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "failed_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "expired_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "cancelling_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "cancelled_at": {
            "type": [
              "integer",
              "null"
            ]
          },
          "request_counts": {
            "type": "object",
            "required": [
              "total",
              "completed",
              "failed"
            ],
            "properties": {
              "total": {
                "type": "integer",
                "minimum": 0
              },
              "completed": {
                "type": "integer",
                "minimum": 0
              },
              "failed": {
                "type": "integer",
                "minimum": 0
              }
            }
          },
          "metadata": {
            "type": [
              "object",
              "null"
            ],
            "additionalProperties": {
              "type": "string"
            }
          },
          "usage": {
            "type": "object",
            "required": [
              "input_tokens",
              "output_tokens",
              "total_tokens",
              "cost_usd"
            ],
            "properties": {
              "input_tokens": {
                "type": "integer"
              },
              "output_tokens": {
                "type": "integer"
              },
              "total_tokens": {
                "type": "integer"
              },
              "input_tokens_details": {
                "type": "object",
                "properties": {
                  "cached_tokens": {
                    "type": "integer"
                  }
                }
              },
              "output_tokens_details": {
                "type": "object",
                "properties": {
                  "reasoning_tokens": {
                    "type": "integer"
                  }
                }
              },
              "cost_usd": {
                "type": "string",
                "description": "The sum of the cost of the batch's ledger rows (USD, exact)."
              }
            }
          }
        }
      },
      "BatchList": {
        "type": "object",
        "required": [
          "object",
          "data",
          "has_more"
        ],
        "properties": {
          "object": {
            "const": "list"
          },
          "data": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Batch"
            }
          },
          "first_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "last_id": {
            "type": [
              "string",
              "null"
            ]
          },
          "has_more": {
            "type": "boolean"
          }
        }
      }
    },
    "requestBodies": {
      "ChatCompletionRequest": {
        "required": true,
        "description": "A JSON object. The gateway does not look at the content type. Bodies over `server.max_body_bytes` (default 10 MiB) get 413.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ChatCompletionRequest"
            }
          }
        }
      }
    },
    "responses": {
      "ChatCompletion200": {
        "description": "The upstream's answer, relayed: one JSON body (`stream` false or absent) or a server-sent event stream (`stream: true`).",
        "headers": {
          "x-request-id": {
            "description": "The client's x-request-id when it is sane (1-128 printable ASCII characters), else a new `req_…` ID.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-provider": {
            "description": "Provider of the deployment that answered.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-deployment": {
            "description": "Deployment that answered.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-region": {
            "description": "Region of that deployment.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-model": {
            "description": "The catalog model ID served.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-route": {
            "description": "The rule that chose and the model, e.g. `explicit; model=glm-5`.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-attempts": {
            "description": "Upstream calls made, hedges included.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          "x-switchyard-overhead-us": {
            "description": "Microseconds spent inside the gateway up to the response head, upstream waits excluded.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          "x-switchyard-cache": {
            "description": "What the call did with the response cache: `hit` (answered from it, cost 0, no upstream call), `miss` (used it; the upstream answered) or `bypass` (not used).",
            "schema": {
              "type": "string",
              "enum": ["hit", "miss", "bypass"]
            }
          },
          "x-switchyard-cost-usd": {
            "description": "Non-streaming answers: the exact cost as a plain decimal (e.g. `0.0000035`; `0` for a cache hit), or `unknown` for an unpriced model. Streams carry it in the usage chunk's `usage.cost_usd`, or as the SSE comment `: x-switchyard-cost-usd=…`.",
            "schema": {
              "type": "string",
              "pattern": "^([0-9]+(\\.[0-9]+)?|unknown)$"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ChatCompletion"
            }
          },
          "text/event-stream": {
            "schema": {
              "type": "object",
              "description": "One server-sent event (OpenAPI 3.1 has no stream schema: this describes each event). `data` is a `chat.completion.chunk` as JSON, `[DONE]` last, or `{\"error\":{…}}` when a stream fails after it started (no `[DONE]` then). The usage chunk (`choices: []`) carries `usage.cost_usd`; a client that did not ask for usage gets the cost as the comment `: x-switchyard-cost-usd=…` instead.",
              "required": [
                "data"
              ],
              "properties": {
                "data": {
                  "type": "string"
                },
                "event": {
                  "type": "string"
                },
                "id": {
                  "type": "string"
                },
                "retry": {
                  "type": "integer"
                }
              }
            }
          }
        }
      },
      "ChatCompletion400": {
        "description": "Malformed JSON, a body that is not an object, or a key twice in one object (`invalid_json`, the message names the key and its byte offset); a missing or invalid checked field (`missing_required_parameter`, `invalid_type`, `invalid_value`, `empty_array`; `param` names it); an unknown fallback model (`model_not_found`, `param` `models[i]`); context too long (`context_length_exceeded`); no capable model for `auto` (`no_capable_model`); content filtered upstream (`content_filter`); the client half-closed before its body was complete (`incomplete_request`) or sent malformed chunked framing (`malformed_request`), and the connection closes.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion401": {
        "description": "A virtual key is required and missing, unknown, revoked or expired (`invalid_api_key`); answered from the request head, before the body is read.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion403": {
        "description": "The key may not use this model (`model_not_allowed`).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion404": {
        "description": "Unknown model (`model_not_found`; the message points at GET /v1/models).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion408": {
        "description": "The request head or body was too slow (`server.header_timeout_ms`, `server.body_timeout_ms`): `request_timeout`, and the connection closes.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion413": {
        "description": "Body larger than `server.max_body_bytes` (`request_too_large`).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion429": {
        "description": "The key's budget is used up or the call's worst case no longer fits it (`insufficient_quota`); the key is over its RPM or TPM limit (`rate_limit_exceeded`, with `retry-after` and `x-ratelimit-*`); or the upstream's rate limit or exhausted balance.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion502": {
        "description": "Upstream failure: `upstream_error` (5xx, broken stream, dropped connection), `upstream_unreachable`, `upstream_authentication_failed`, `upstream_bad_response`.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion503": {
        "description": "`upstream_overloaded`; `no_healthy_deployment` (every candidate cooling down or with an open breaker, `retry-after: 1`); `store_unavailable` (keys cannot be trusted); `gateway_shutting_down` (the shutdown grace ended while the call was in flight).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "ChatCompletion504": {
        "description": "`upstream_timeout` (`timeouts.total_ms` or the first-token timeout).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Error"
            }
          }
        }
      },
      "Messages200": {
        "description": "The answer as a Messages `message` (`stream` false or absent), or Anthropic's event stream (`stream: true`). Headers as for chat, plus `request-id`.",
        "headers": {
          "x-request-id": {
            "description": "The client's x-request-id when it is sane (1-128 printable ASCII characters), else a new `req_…` ID.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-provider": {
            "description": "Provider of the deployment that answered.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-deployment": {
            "description": "Deployment that answered.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-region": {
            "description": "Region of that deployment.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-model": {
            "description": "The catalog model ID served.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-route": {
            "description": "The rule that chose and the model, e.g. `explicit; model=glm-5`.",
            "schema": {
              "type": "string"
            }
          },
          "x-switchyard-attempts": {
            "description": "Upstream calls made, hedges included.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          "x-switchyard-overhead-us": {
            "description": "Microseconds spent inside the gateway up to the response head, upstream waits excluded.",
            "schema": {
              "type": "string",
              "pattern": "^[0-9]+$"
            }
          },
          "x-switchyard-cache": {
            "description": "What the call did with the response cache: `hit` (answered from it, cost 0, no upstream call), `miss` (used it; the upstream answered) or `bypass` (not used).",
            "schema": {
              "type": "string",
              "enum": ["hit", "miss", "bypass"]
            }
          },
          "x-switchyard-cost-usd": {
            "description": "Non-streaming answers: the exact cost as a plain decimal, or `unknown` for an unpriced model. Streams carry it as the SSE comment `: x-switchyard-cost-usd=…` before `message_delta`.",
            "schema": {
              "type": "string",
              "pattern": "^([0-9]+(\\.[0-9]+)?|unknown)$"
            }
          },
          "request-id": {
            "description": "The same value as `x-request-id` (where Anthropic's SDKs read it).",
            "schema": {
              "type": "string"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/Message"
            }
          },
          "text/event-stream": {
            "schema": {
              "type": "object",
              "description": "One server-sent event (OpenAPI 3.1 has no stream schema: this describes each event): `message_start`, `ping`, then per block `content_block_start`, `content_block_delta` (`text_delta`, `thinking_delta`, `input_json_delta`) and `content_block_stop`, then `message_delta` (`stop_reason`, usage) and `message_stop`; or one `error` event (Anthropic's error shape) when the stream fails after it started.",
              "required": [
                "event",
                "data"
              ],
              "properties": {
                "event": {
                  "type": "string"
                },
                "data": {
                  "type": "string"
                }
              }
            }
          }
        }
      },
      "Messages400": {
        "description": "`invalid_request_error`: malformed JSON or a key twice; a missing or invalid field, or one that cannot be translated (the message names it); context too long; content filtered upstream; a malformed or cut request.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages401": {
        "description": "`authentication_error`: no key, or a wrong, revoked or expired one.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages403": {
        "description": "`permission_error`: the key may not use the model.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages404": {
        "description": "`not_found_error`: the model is not served here.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages408": {
        "description": "`invalid_request_error`: the request head or body arrived too slowly; the connection closes.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages413": {
        "description": "`invalid_request_error`: the body is over `server.max_body_bytes`.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages429": {
        "description": "`rate_limit_error`: the key's budget, RPM or TPM limit, or the upstream's rate limit or balance.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages502": {
        "description": "`api_error`: the upstream failed or answered what is not a chat completion.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages504": {
        "description": "`api_error`: the upstream timed out.",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "Messages529": {
        "description": "`overloaded_error`: the upstream is overloaded, no deployment is healthy, the key store is unreachable, or the gateway is shutting down (the gateway's 503s).",
        "headers": {
          "x-should-retry": {
            "$ref": "#/components/headers/XShouldRetry"
          },
          "retry-after": {
            "$ref": "#/components/headers/RetryAfter"
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/MessagesError"
            }
          }
        }
      },
      "MessagesCountTokens200": {
        "description": "The gateway's prompt estimate (what admission reserves for the prompt): about four bytes a token of text, tool definitions and calls, plus four per message and a fixed count per image.",
        "headers": {
          "x-request-id": {
            "description": "The client's x-request-id when it is sane (1-128 printable ASCII characters), else a new `req_…` ID.",
            "schema": {
              "type": "string"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "type": "object",
              "required": [
                "input_tokens"
              ],
              "properties": {
                "input_tokens": {
                  "type": "integer",
                  "minimum": 0
                }
              }
            }
          }
        }
      }
    }
  }
}
"""#
}
