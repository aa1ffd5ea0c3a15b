using System;

namespace PfaAzureDevOps.TestServers
{
    /// <summary>
    /// One local Azure DevOps per test process (a Pester worker), lent to one test session at a time: starting an emulator
    /// costs about 0.7 CPU s until it has answered its first request, and its endpoints' JIT again as each is first used, so
    /// the files of a worker reuse one instead of starting their own. <see cref="Lease"/> starts it on first use and
    /// otherwise resets it to the state of a fresh start (see <see cref="LocalAzureDevOps.Reset"/>), with the SSH and
    /// callback options the session asks for; a session that asks while the server is lent (a nested session) gets none
    /// and starts its own. <see cref="Stop"/> (the worker's end) stops it; its watchdog stops it when the process is gone.
    /// </summary>
    public static class WorkerAzureDevOps
    {
        private static readonly object Gate = new object();
        private static LocalAzureDevOps? _server;
        private static bool _lent;

        /// <summary>The server, running or not (null before the first lease and after <see cref="Stop"/>).</summary>
        public static LocalAzureDevOps? Current
        {
            get
            {
                lock (Gate)
                {
                    return _server;
                }
            }
        }

        /// <summary>
        /// The worker's server, fresh for the caller: started now, or reset (a server that has exited or does not reset
        /// is replaced by a new one). Null when it is lent already: the caller then starts its own.
        /// </summary>
        public static LocalAzureDevOps? Lease(LocalAzureDevOpsOptions options)
        {
            if (options.DataDirectory != null)
            {
                throw new ArgumentException("The worker's server keeps its data in a folder of its own: start a server of your own for a given DataDirectory.", nameof(options));
            }

            lock (Gate)
            {
                if (_lent)
                {
                    return null;
                }

                if (_server != null)
                {
                    try
                    {
                        if (!_server.IsRunning)
                        {
                            throw new InvalidOperationException("the worker's local Azure DevOps is no longer running");
                        }

                        _server.Reset(options.AllowHttpCallbacks, options.WithSsh, options.Timeout);
                    }
                    catch (Exception ex) when (ex is InvalidOperationException || ex is System.Net.Http.HttpRequestException || ex is System.Threading.Tasks.TaskCanceledException)
                    {
                        // Not reusable (stopped, or a request of the previous user would not end): a new one instead.
                        _server.Dispose();
                        _server = null;
                    }
                }

                _server ??= LocalAzureDevOps.Start(options);
                _lent = true;
                return _server;
            }
        }

        /// <summary>Ends the caller's lease (Exit-TestSession); the server keeps running for the next one.</summary>
        public static void Release(LocalAzureDevOps server)
        {
            lock (Gate)
            {
                if (ReferenceEquals(server, _server))
                {
                    _lent = false;
                }
            }
        }

        /// <summary>Stops the server (SIGTERM, then SIGKILL) and removes its folders; the next lease starts a new one.</summary>
        public static void Stop()
        {
            lock (Gate)
            {
                _server?.Dispose();
                _server = null;
                _lent = false;
            }
        }
    }
}
