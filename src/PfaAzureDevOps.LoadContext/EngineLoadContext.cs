using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace PfaAzureDevOps.LoadContext
{
    /// <summary>
    /// The module's private load context. Its <see cref="Load"/> answers from the module's dependency
    /// folder first, so another module's MSAL, SSH.NET or BouncyCastle in the default context (older,
    /// the same, or newer) is never handed to our engine. Anything not in the folder (the framework)
    /// falls through to the default context.
    /// </summary>
    public sealed class EngineLoadContext : AssemblyLoadContext
    {
        private static readonly object Gate = new object();
        private static EngineLoadContext? _instance;

        private readonly string _directory;
        private readonly AssemblyDependencyResolver? _resolver;

        private EngineLoadContext(string directory, string engineAssemblyName)
            : base("PfaAzureDevOps", isCollectible: false)
        {
            _directory = directory;
            string engine = Path.Combine(directory, engineAssemblyName + ".dll");
            // The engine's deps.json tells which runtime-specific asset applies here (runtimes/win/... on Windows).
            _resolver = File.Exists(Path.ChangeExtension(engine, ".deps.json")) ? new AssemblyDependencyResolver(engine) : null;
        }

        /// <summary>The folder this context loads from.</summary>
        public string Directory => _directory;

        /// <summary>
        /// Creates the context once per process and hooks the default context so that the engine's own
        /// assembly name (and only it) resolves into the private context. Idempotent: re-imports, -Force,
        /// other runspaces and ForEach-Object -Parallel all reuse the one context; nothing is ever unhooked,
        /// because the resolve hook is process-wide while module import and removal are per runspace.
        /// </summary>
        public static object Initialize(string directory, string engineAssemblyName)
        {
            lock (Gate)
            {
                if (_instance != null)
                {
                    return _instance;
                }

                var context = new EngineLoadContext(Path.GetFullPath(directory), engineAssemblyName);
                AssemblyLoadContext.Default.Resolving += (_, name) =>
                    string.Equals(name.Name, engineAssemblyName, StringComparison.OrdinalIgnoreCase)
                        ? context.LoadFromAssemblyName(name)
                        : null;
                _instance = context;
                return context;
            }
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name is null)
            {
                return null;
            }

            string? resolved = _resolver?.ResolveAssemblyToPath(assemblyName);
            if (resolved != null && File.Exists(resolved))
            {
                return LoadFromAssemblyPath(resolved);
            }

            string candidate = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            string? resolved = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName);
            return resolved != null && File.Exists(resolved) ? LoadUnmanagedDllFromPath(resolved) : IntPtr.Zero;
        }
    }
}
