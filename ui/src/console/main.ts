import { mount } from 'svelte';
import '../app.css';
import './console.css';
import { useErrorTexts } from '../lib/i18n.svelte';
import App from './App.svelte';

// The head office's codes (station.code, network…) read differently from the station's: its texts first.
useErrorTexts(['console.errors', 'errors']);

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');

export default mount(App, { target });
