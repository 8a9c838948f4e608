/** @type {import('next').NextConfig} */
const nextConfig = {
  // Emit .next/standalone: a server.js plus only the node_modules files the server needs.
  output: 'standalone',
};

export default nextConfig;
