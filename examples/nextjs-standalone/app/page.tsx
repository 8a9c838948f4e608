import Counter from './counter';

export default function Home() {
  return (
    <main>
      {/* A plain <img>: served from public/ as-is, no image optimizer involved. */}
      <img className="logo" src="/layers.svg" alt="Three stacked layers" width={96} height={96} />
      <h1>Hello from a standalone Next.js build</h1>
      <p>This page, its CSS and its JavaScript come from three different COPY lines.</p>
      <Counter />
    </main>
  );
}
