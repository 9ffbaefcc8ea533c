"""HTTP surfaces. Only the app factory and ``/healthz`` exist so far; the native API comes later."""
