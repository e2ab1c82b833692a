//! Integration tests: credgate running in-process on ephemeral ports, with real upstreams
//! (an in-process hyper server, httpbin under gunicorn) and real clients (curl, Python requests).

mod harness;
mod upstream;

mod aws;
mod config_errors;
mod policy_table;
mod process;
mod proxy_flow;
mod reload;
mod response_head;
mod scrub_assert;
mod scrub_command_lines;
mod scrub_engine;
mod scrub_formats;
mod scrub_latency;
mod scrub_named_keys;
mod scrub_named_values;
mod scrub_private_key_values;
mod scrub_setting_calls;
mod scrub_short_password_keys;
mod scrubbing;
mod shipped;
mod upgrade;
mod vault;
